import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * Structured JSON logs (stdout unless a destination is given). Authorization headers and key
 * secrets are redacted wherever they appear.
 */
export function createLogger(level: string, name: string, destination?: DestinationStream): Logger {
  const options = {
    name,
    level,
    redact: { paths: ['req.headers.authorization', 'headers.authorization', '*.secret', 'secret'], censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}

export type { Logger };
