import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * Structured JSON logs. Authorization headers and key secrets are redacted wherever they appear.
 * `destination` (default stdout) lets tests read what would be logged.
 */
export function createLogger(level: string, name: string, destination?: DestinationStream): Logger {
  return pino(
    {
      name,
      level,
      redact: { paths: ['req.headers.authorization', 'headers.authorization', '*.secret', 'secret'], censor: '[redacted]' },
    },
    destination,
  );
}

export type { Logger };
