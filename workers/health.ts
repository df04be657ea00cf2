import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Worker } from 'bullmq';
import type { Registry } from 'prom-client';
import { metricsHandler } from '../src/metrics/registry.js';

export interface HealthServerDeps {
  workers: readonly Worker[];
  /** The worker process's registry (createWorkerMetrics). */
  registry: Registry;
  /** When set, /metrics requires `Authorization: Bearer <token>` (METRICS_TOKEN). */
  metricsToken: string | null;
}

export interface HealthServer {
  listen(port: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * The worker process's HTTP side, on WORKER_HEALTH_PORT: `/healthz` answers 200 while every
 * worker runs and 503 once they stop (shutdown has begun); `/metrics` is the Prometheus scrape.
 */
export function createHealthServer(deps: HealthServerDeps): HealthServer {
  const scrape = metricsHandler(deps.registry, deps.metricsToken);
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
    } else if (path === '/healthz') {
      const ok = deps.workers.every((w) => w.isRunning());
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: ok ? 'ok' : 'stopping' }));
    } else if (path === '/metrics') {
      void scrape(req, res);
    } else {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'not found' }));
    }
  });
  return {
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
    },
  };
}
