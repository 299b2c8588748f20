import type { AttributeMap, MetricHistogramRow, MetricRows, MetricSumRow } from '../storage/rows.js';
import { CUMULATIVE, DELTA } from './points.js';

export interface DeltaOptions {
  /** Series remembered; the least recently seen is forgotten beyond it (its next point starts over). */
  maxSeries: number;
  /** Called once per forgotten series, for the collector's self-metrics. */
  onEvict?: () => void;
}

interface SumState {
  startNs: string;
  timeNs: string;
  value: number;
}

interface HistogramState {
  startNs: string;
  timeNs: string;
  count: number;
  sum: number;
  bucketCounts: number[];
  explicitBounds: number[];
  min: number;
  max: number;
}

export interface DeltaResult {
  rows: MetricRows;
  /** Cumulative points older than the last one seen for their series, or repeating it: dropped. */
  dropped: number;
  /**
   * Undoes this conversion's effect on the remembered series, for when the rows could not be stored and
   * the sender will retry them (otherwise the retry would look like a duplicate and be dropped).
   */
  rollback(): void;
}

type SeriesState = SumState | HistogramState;

/** One change to the series map: `key` went from `before` to `after`. */
interface Change {
  key: string;
  before: SeriesState | undefined;
  after: SeriesState | undefined;
}

/**
 * Turns cumulative sums and histograms into deltas, so every stored point counts only its own interval and
 * rollups can add points up whatever the sender's temporality. Per series (resource, scope, metric name,
 * attributes) the previous cumulative point is kept; the next one becomes the difference, starting at the
 * previous point's time. The first point of a series, and a point after a reset (its start time changed or
 * a count went down), is a delta from its own start time. Non-monotonic sums are levels, not counts: they
 * are stored as sent. Memory is bounded by an LRU over series.
 */
export class DeltaConverter {
  private readonly series = new Map<string, SeriesState>();
  /** Changes made by the conversion in progress (the undo log of its DeltaResult). */
  private changes: Change[] = [];
  private readonly resourceKeys = new WeakMap<AttributeMap, string>();
  private evictedCount = 0;

  constructor(private readonly options: DeltaOptions) {}

  get size(): number {
    return this.series.size;
  }

  get evicted(): number {
    return this.evictedCount;
  }

  convert(rows: MetricRows): DeltaResult {
    this.changes = [];
    let dropped = 0;
    const sums: MetricSumRow[] = [];
    for (const row of rows.sums) {
      if (row.AggregationTemporality !== CUMULATIVE || !row.IsMonotonic) sums.push(row);
      else if (this.sum(row)) sums.push(row);
      else dropped++;
    }
    const histograms: MetricHistogramRow[] = [];
    for (const row of rows.histograms) {
      if (row.AggregationTemporality !== CUMULATIVE) histograms.push(row);
      else if (this.histogram(row)) histograms.push(row);
      else dropped++;
    }
    const changes = this.changes;
    this.changes = [];
    return {
      rows: { sums, gauges: rows.gauges, histograms },
      dropped,
      rollback: () => this.rollback(changes),
    };
  }

  /** Restores each touched series unless a later request has moved it on since. */
  private rollback(changes: readonly Change[]): void {
    for (let i = changes.length - 1; i >= 0; i--) {
      const { key, before, after } = changes[i]!;
      if (this.series.get(key) !== after) continue;
      if (before === undefined) this.series.delete(key);
      else this.series.set(key, before);
    }
  }

  /** Rewrites `row` as a delta in place; false when it must be dropped. */
  private sum(row: MetricSumRow): boolean {
    const key = this.key('sum', row);
    if ((row.Flags & 1) !== 0) return this.forget(key);
    const prev = this.get(key) as SumState | undefined;
    const state: SumState = { startNs: row.StartTimeUnix, timeNs: row.TimeUnix, value: row.Value };
    if (prev && prev.startNs === row.StartTimeUnix) {
      if (stale(row.TimeUnix, prev.timeNs, row.Value === prev.value)) return false;
      if (row.Value >= prev.value) {
        row.Value -= prev.value;
        row.StartTimeUnix = prev.timeNs;
      }
    }
    row.AggregationTemporality = DELTA;
    this.set(key, state);
    return true;
  }

  private histogram(row: MetricHistogramRow): boolean {
    const key = this.key('histogram', row);
    if ((row.Flags & 1) !== 0) return this.forget(key);
    const prev = this.get(key) as HistogramState | undefined;
    const state: HistogramState = {
      startNs: row.StartTimeUnix,
      timeNs: row.TimeUnix,
      count: row.Count,
      sum: row.Sum,
      bucketCounts: row.BucketCounts,
      explicitBounds: row.ExplicitBounds,
      min: row.Min,
      max: row.Max,
    };
    if (prev && prev.startNs === row.StartTimeUnix) {
      if (stale(row.TimeUnix, prev.timeNs, row.Count === prev.count)) return false;
      if (continues(prev, row)) {
        row.Count -= prev.count;
        row.Sum -= prev.sum;
        row.BucketCounts = row.BucketCounts.map((c, i) => c - (prev.bucketCounts[i] ?? 0));
        // The interval's extremes are known only when the cumulative ones moved within it; 0 = absent.
        row.Max = row.Max > prev.max ? row.Max : 0;
        row.Min = row.Min < prev.min ? row.Min : 0;
        row.StartTimeUnix = prev.timeNs;
      }
    }
    row.AggregationTemporality = DELTA;
    this.set(key, state);
    return true;
  }

  /** A NO_RECORDED_VALUE point ends its series: stored as sent, and the next point starts over. */
  private forget(key: string): true {
    const before = this.series.get(key);
    if (before !== undefined) {
      this.series.delete(key);
      this.changes.push({ key, before, after: undefined });
    }
    return true;
  }

  private get(key: string): SeriesState | undefined {
    const state = this.series.get(key);
    if (state !== undefined) {
      // Map iteration order is insertion order: re-inserting makes this the most recently used series.
      this.series.delete(key);
      this.series.set(key, state);
    }
    return state;
  }

  private set(key: string, state: SeriesState): void {
    this.changes.push({ key, before: this.series.get(key), after: state });
    this.series.delete(key);
    this.series.set(key, state);
    while (this.series.size > this.options.maxSeries) {
      const oldest = this.series.keys().next();
      if (oldest.done) break;
      this.series.delete(oldest.value);
      this.evictedCount++;
      this.options.onEvict?.();
    }
  }

  private key(kind: string, row: MetricSumRow | MetricHistogramRow): string {
    let resourceKey = this.resourceKeys.get(row.ResourceAttributes);
    if (resourceKey === undefined) {
      resourceKey = attributesKey(row.ResourceAttributes);
      this.resourceKeys.set(row.ResourceAttributes, resourceKey);
    }
    return JSON.stringify([
      kind,
      row.MetricName,
      row.ScopeName,
      row.ScopeVersion,
      resourceKey,
      attributesKey(row.Attributes),
    ]);
  }
}

/**
 * An older point, or a repeat of the last one (same time, same value): a retried or reordered export.
 * A new value at the same time is kept: SDK clocks can have millisecond resolution.
 */
function stale(timeNs: string, prevTimeNs: string, sameValue: boolean): boolean {
  const order = compareNs(timeNs, prevTimeNs);
  return order < 0 || (order === 0 && sameValue);
}

/** Same bounds, and no count went down: the histogram kept counting since the previous point. */
function continues(prev: HistogramState, row: MetricHistogramRow): boolean {
  if (row.Count < prev.count) return false;
  if (row.ExplicitBounds.length !== prev.explicitBounds.length) return false;
  if (row.BucketCounts.length !== prev.bucketCounts.length) return false;
  for (let i = 0; i < row.ExplicitBounds.length; i++) {
    if (row.ExplicitBounds[i] !== prev.explicitBounds[i]) return false;
  }
  for (let i = 0; i < row.BucketCounts.length; i++) {
    if ((row.BucketCounts[i] ?? 0) < (prev.bucketCounts[i] ?? 0)) return false;
  }
  return true;
}

function attributesKey(map: AttributeMap): string {
  return JSON.stringify(
    Object.keys(map)
      .sort()
      .flatMap((k) => [k, map[k]]),
  );
}

/** Orders two canonical unsigned decimal strings (no leading zeros) numerically. */
export function compareNs(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}
