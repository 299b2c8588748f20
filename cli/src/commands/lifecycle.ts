import type { Logger } from 'pino';

/**
 * Runs `stop` once on SIGINT/SIGTERM (a second signal forces exit), and resolves when it is done, so a
 * command can `await` its own shutdown.
 */
export function untilSignalled(log: Logger, stop: () => Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        log.warn({ signal }, 'second signal: exiting without waiting');
        process.exit(130);
      }
      stopping = true;
      log.info({ signal }, 'shutting down: draining and flushing');
      stop().then(
        () => resolve(),
        (err: unknown) => {
          log.error({ err }, 'error during shutdown');
          process.exitCode = 1;
          resolve();
        },
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

/** A failed listen, said plainly: which part, which address, and what to do about a port in use. */
export function explainListenError(err: unknown, what: string): Error {
  const e = err as NodeJS.ErrnoException & { address?: string; port?: number };
  if (e?.code === 'EADDRINUSE') {
    return new CliError(
      `${what}: ${e.address ?? '127.0.0.1'}:${e.port ?? '?'} is already in use ` +
        '(is another meshscope running?). Stop it, or choose other ports (see --help).',
    );
  }
  if (e?.code === 'EACCES') {
    return new CliError(
      `${what}: not allowed to listen on ${e.address ?? ''}:${e.port ?? '?'} (${e.message})`,
    );
  }
  return err instanceof Error ? err : new Error(String(err));
}

/** An error whose message is the whole story: printed without a stack trace. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}
