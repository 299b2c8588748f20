import { ParamError } from '../params/errors.js';

/**
 * Time windows and steps of the mesh API: defaults, the maximum span (a longer window is shortened from
 * its start, never refused: the newest data is what an operator wants), whole-minute steps (the rollups'
 * resolution) and a bounded number of points.
 */

export interface TimeWindow {
  /** unix seconds */
  startSec: number;
  /** unix seconds, exclusive */
  endSec: number;
}

export interface WindowDefaults {
  nowSec: number;
  defaultLookbackSec: number;
  maxWindowSec: number;
}

export function resolveWindow(
  params: { startSec?: number | undefined; endSec?: number | undefined },
  defaults: WindowDefaults,
): TimeWindow {
  const endSec = params.endSec ?? defaults.nowSec;
  const startSec = params.startSec ?? endSec - defaults.defaultLookbackSec;
  if (!(startSec < endSec)) {
    throw new ParamError(
      params.startSec !== undefined ? 'startSec' : 'endSec',
      `the window must start before it ends (startSec ${startSec} >= endSec ${endSec})`,
    );
  }
  return { startSec: Math.max(startSec, endSec - defaults.maxWindowSec), endSec };
}

const MINUTE = 60;
const DEFAULT_POINTS = 60;

/** A step in whole minutes: the one asked for (rounded up), or about 60 points; never above maxPoints. */
export function resolveStep(window: TimeWindow, requestedSec: number | undefined, maxPoints: number): number {
  const spanSec = window.endSec - window.startSec;
  const wanted = requestedSec ?? spanSec / DEFAULT_POINTS;
  const minimum = spanSec / maxPoints;
  return Math.max(MINUTE, Math.ceil(Math.max(wanted, minimum) / MINUTE) * MINUTE);
}

/** Bucket starts covering the window: multiples of the step, the first one at or before the start. */
export function bucketStarts(window: TimeWindow, stepSec: number): number[] {
  const first = Math.floor(window.startSec / stepSec) * stepSec;
  const out: number[] = [];
  for (let t = first; t < window.endSec; t += stepSec) out.push(t);
  return out;
}

/** The window widened to whole buckets, so the first and last bucket are read completely. */
export function alignedWindow(window: TimeWindow, stepSec: number): TimeWindow {
  return {
    startSec: Math.floor(window.startSec / stepSec) * stepSec,
    endSec: Math.ceil(window.endSec / stepSec) * stepSec,
  };
}
