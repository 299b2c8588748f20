import pino, { type Logger } from 'pino';

/** The process logger: JSON lines on stdout (what log shippers expect); level from configuration. */
export function createLogger(level: string, name = 'meshscope'): Logger {
  return pino({
    name,
    level,
    redact: { paths: ['password', '*.password', 'token', '*.token'], censor: '[redacted]' },
  });
}
