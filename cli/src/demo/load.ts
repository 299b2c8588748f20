import type http from 'node:http';
import { get } from './apps.js';

/** Requests in flight beyond which a tick is skipped: a slow mesh must not pile up load. */
const MAX_IN_FLIGHT = 20;

export interface LoadGenerator {
  readonly sent: number;
  /** stops ticking and waits for the requests in flight */
  stop(): Promise<void>;
}

/** GETs `url` (the load generator's outbound agent, Host `host`) `ratePerSec` times a second. */
export function startLoad(client: http.Agent, url: string, host: string, ratePerSec: number): LoadGenerator {
  let sent = 0;
  const inFlight = new Set<Promise<unknown>>();
  const timer = setInterval(() => {
    if (inFlight.size >= MAX_IN_FLIGHT) return;
    sent++;
    const p = get(client, url, { host }).finally(() => inFlight.delete(p));
    inFlight.add(p);
  }, 1000 / ratePerSec);
  return {
    get sent() {
      return sent;
    },
    stop: async () => {
      clearInterval(timer);
      await Promise.all(inFlight);
    },
  };
}
