/**
 * The placeBid baseline in the embedded profile: the same bare HTTP handler as baseline-server.ts
 * (parse the JSON body, one INSERT), in this process, through a pool on the same PGlite the API
 * uses (one PGlite serves one process, so it cannot be a child process as on the other profiles).
 */
import { createServer, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { openEmbedded } from '../../src/persistence/embedded/embedded-database.js';

export async function startEmbeddedBaseline(databaseUrl: string, port: number): Promise<{ close(): Promise<void> }> {
  const embedded = await openEmbedded(databaseUrl);
  const { pool } = embedded;
  await pool.query('create table if not exists bench_baseline (id uuid primary key, payload jsonb not null, created_at timestamptz not null default now())');
  await pool.query('truncate bench_baseline');
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      try {
        const body = Buffer.concat(chunks).toString();
        const id = randomUUID();
        await pool.query('insert into bench_baseline (id, payload) values ($1, $2)', [id, body]);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: { placeBid: { __typename: 'Bid', id } } }));
      } catch (error) {
        res.writeHead(500).end(String(error));
      }
    });
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return {
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await embedded.close();
    },
  };
}
