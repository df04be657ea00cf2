/** How the demo prints: numbered steps, aligned columns, money in its currency, and progress while it waits. */

export const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
export const say = (s = '') => console.log(s);
export const step = (n: number, title: string) => say(`\n${bold(`${n}. ${title}`)}`);
export const pad = (s: string | number, n: number) => String(s).padStart(n);
export const padEnd = (s: string | number, n: number) => String(s).padEnd(n);
export const money = (m: { amount: string; currency: string }) =>
  `${m.currency} ${Number(m.amount).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 3 })}`;
export const time = (iso: string) => iso.slice(11, 16);

/** Polls `check` until it returns a value, printing dots meanwhile and the time it took. */
export async function waitFor<T>(what: string, check: () => Promise<T | null | undefined>, ms = 120_000): Promise<T> {
  const started = Date.now();
  let dots = 0;
  for (;;) {
    const value = await check();
    if (value !== null && value !== undefined) {
      if (dots) process.stdout.write(` ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
      return value;
    }
    if (Date.now() - started > ms) throw new Error(`Timed out waiting for ${what}`);
    if (dots === 0) process.stdout.write(`   … ${what} `);
    if (++dots % 4 === 0) process.stdout.write('.');
    await new Promise((r) => setTimeout(r, 250));
  }
}
