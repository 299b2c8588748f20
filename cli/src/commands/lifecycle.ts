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
