import { pino, type Logger } from 'pino';

/** Structured JSON logs. Authorization headers and key secrets are redacted wherever they appear. */
export function createLogger(level: string, name: string): Logger {
  return pino({
    name,
    level,
    redact: { paths: ['req.headers.authorization', 'headers.authorization', '*.secret', 'secret'], censor: '[redacted]' },
  });
}

export type { Logger };
