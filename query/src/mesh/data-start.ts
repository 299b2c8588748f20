import type { TimeWindow } from './window.js';

/**
 * When stored traffic begins, so that a rate is taken over the part of a window that had data. Right after
 * a first start (or a new deployment) a one-hour window holds a minute or two of traffic: divided by the
 * whole hour, 5 req/s would show as 0.1 req/s. Prometheus avoids this in Kiali by its short default window
 * (1 minute); our windows are longer and come from rollups, so the denominator is shortened instead.
 *
 * The answer barely ever changes (only when retention drops the oldest day), so it is read at most every
 * ten minutes; while nothing is stored it is asked again every few seconds, and a failed read counts as
 * "unknown" (whole windows) rather than failing the request that wanted it.
 */
const KNOWN_TTL_MS = 10 * 60_000;
const EMPTY_TTL_MS = 5_000;

export class DataStart {
  #sec: number | null = null;
  #checkedMs = -Infinity;
  #pending: Promise<number | null> | undefined;

  constructor(
    private readonly read: () => Promise<number | null>,
    private readonly nowMs: () => number,
  ) {}

  async get(): Promise<number | null> {
    const age = this.nowMs() - this.#checkedMs;
    if (age < (this.#sec === null ? EMPTY_TTL_MS : KNOWN_TTL_MS)) return this.#sec;
    this.#pending ??= this.read()
      .then((sec) => {
        this.#sec = sec;
        this.#checkedMs = this.nowMs();
        return sec;
      })
      .catch(() => this.#sec)
      .finally(() => {
        this.#pending = undefined;
      });
    return this.#pending;
  }
}

/** Seconds a rate over `window` divides by: from the later of its start and the first stored minute. */
export function rateWindowSec(window: TimeWindow, dataStartSec: number | null): number {
  const from =
    dataStartSec !== null && dataStartSec > window.startSec && dataStartSec < window.endSec
      ? dataStartSec
      : window.startSec;
  return window.endSec - from;
}
