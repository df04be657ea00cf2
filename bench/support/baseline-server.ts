/**
 * Baseline for the placeBid benchmark: a bare Node HTTP handler that parses the JSON body and
 * does one INSERT with pg, nothing else. Started as a child process by place-bid.bench.ts.
 */
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DB_POOL_MAX ?? 20) });
await pool.query('create table if not exists bench_baseline (id uuid primary key, payload jsonb not null, created_at timestamptz not null default now())');
await pool.query('truncate bench_baseline');

const server = createServer((req, res) => {
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
server.listen(Number(process.env.PORT ?? 4999), '127.0.0.1', () => console.log('baseline ready'));
process.on('SIGTERM', () => {
  server.close();
  void pool.end();
  process.exit(0);
});
