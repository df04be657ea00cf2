# One image, two entry points: the API (default) and the workers (`node dist/workers/main.js`).
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json schema.graphql ./
COPY src ./src
COPY workers ./workers
COPY console ./console
# GraphiQL's page preloads the README's example operations.
COPY graphiql ./graphiql
COPY README.md ./
# The API and the workers, and the static files of the web console and GraphiQL (dist/console, dist/graphiql).
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
EXPOSE 4000
CMD ["node", "dist/src/main.js"]
