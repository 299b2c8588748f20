import type { StorageClient } from '../../src/storage/client.js';

export interface FaultSwitch {
  /** inserts fail with a connection error (as when the server is down) */
  down: boolean;
  /** inserts reach ClickHouse, then the answer is "lost" (the caller sees an error) */
  loseAnswers: boolean;
  inserts: number;
}

/**
 * The real storage client with a switch on its insert path, for the writer's failure handling: the store
 * "goes away" the way a network failure looks to @clickhouse/client. Reads are untouched.
 */
export function withFaults(storage: StorageClient): { storage: StorageClient; faults: FaultSwitch } {
  const faults: FaultSwitch = { down: false, loseAnswers: false, inserts: 0 };
  const client = new Proxy(storage.client, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (prop !== 'exec' || typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        if (faults.down) {
          throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' });
        }
        faults.inserts++;
        const result: unknown = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        if (faults.loseAnswers) throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
        return result;
      };
    },
  });
  return { storage: { ...storage, client }, faults };
}
