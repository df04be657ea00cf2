import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

/**
 * GraphiQL's stylesheet embeds Roboto and Fira Code as @font-face rules. The page uses the
 * system's fonts instead (no web fonts at all, issue 16), so the rules are dropped at build time.
 */
function withoutWebFonts(): Plugin {
  return {
    name: 'without-web-fonts',
    enforce: 'pre',
    transform(code, id) {
      if (!id.includes('graphiql') || !id.split('?')[0]!.endsWith('.css')) return null;
      return { code: code.replace(/@font-face\s*\{[^}]*\}/g, ''), map: null };
    },
  };
}

/** GraphiQL at /graphiql/, built into dist/graphiql and served by the API itself (src/http/graphiql.ts). */
export default defineConfig({
  root: 'graphiql',
  base: '/graphiql/',
  plugins: [react(), withoutWebFonts()],
  build: {
    outDir: '../dist/graphiql',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 2_000,
  },
});
