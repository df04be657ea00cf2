import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { metricsHandler } from './registry.js';

export interface MetricsServer {
  /** Listens on `port` (0: any free one) of `host` (default every interface); resolves with its base URL. */
  listen(port: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * The API's /metrics on a port of its own (METRICS_PORT), for the internal network only: the
 * public port then has no /metrics at all, so no public route can reach it by mistake. With
 * METRICS_TOKEN it requires the bearer token here too.
 */
export function createMetricsServer(registry: Registry, token: string | null): MetricsServer {
  const scrape = metricsHandler(registry, token);
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') res.writeHead(405, { allow: 'GET, HEAD' }).end();
    else if (path === '/metrics') void scrape(req, res);
    else res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  });
  return {
    listen(port, host = '0.0.0.0') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const { address, port: bound } = server.address() as AddressInfo;
          const reachable = address === '0.0.0.0' || address === '::' ? '127.0.0.1' : address.includes(':') ? `[${address}]` : address;
          resolve(`http://${reachable}:${bound}`);
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
