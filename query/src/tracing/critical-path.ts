import { z } from 'zod';
import type { SpanKindName, SpanRow } from '@meshscope/collector';
import { durationNsToUs, isEmptySpanId, nsTextToUs } from './span-time.js';

/**
 * Critical path of a trace, as Jaeger UI computes it (`TracePage/CriticalPath`):
 *
 * 1. From each root (spans sorted by start; a span whose parent is not in the trace is a root), take the
 *    span tree; a CONSUMER child of a PRODUCER does not block its parent, so it and its subtree are left out.
 * 2. Clip every child to its (already clipped) parent's window; drop it, with its subtree, when it starts
 *    at or after the parent's end or ends at or before the parent's start.
 * 3. Walk back from the end: in the current span, take the last-finishing child (when returning from a
 *    child, only children that end strictly before that child's start); ties go to the earlier start. With
 *    one, emit [child end, bound or span end] and descend; without, emit [span start, bound or span end]
 *    and return to the parent with the bound set to this span's start.
 *
 * Sections come newest first within a root; several roots are concatenated in start order. Times are
 * whole µs truncated as in Jaeger's JSON, so the answer equals Jaeger UI's on our `/api/traces` output.
 *
 * Differences from jaeger-ui, all on malformed input: a span listing itself as parent is a root (jaeger-ui
 * loses it in a cycle); of two spans with one id the first wins; a bound of 0 µs is a bound (jaeger-ui
 * tests it for truthiness).
 */

export interface CriticalPathSpan {
  spanID: string;
  /** '' or all zeros for a root */
  parentSpanID: string;
  startUs: number;
  durationUs: number;
  kind: SpanKindName;
}

export const criticalPathSectionSchema = z.object({
  spanID: z.string(),
  /** unix µs */
  sectionStart: z.number().int(),
  /** unix µs */
  sectionEnd: z.number().int(),
});
export type CriticalPathSection = z.infer<typeof criticalPathSectionSchema>;

export const spanSelfTimeSchema = z.object({
  spanID: z.string(),
  /** time this span itself (not its children) spends on the critical path */
  selfTimeUs: z.number().int().nonnegative(),
});
export type SpanSelfTime = z.infer<typeof spanSelfTimeSchema>;

export const criticalPathSchema = z.object({
  /** newest first within each root, roots in start order (Jaeger UI's order) */
  sections: z.array(criticalPathSectionSchema),
  /** spans on the critical path, largest self time first */
  selfTimes: z.array(spanSelfTimeSchema),
});
export type CriticalPath = z.infer<typeof criticalPathSchema>;

/** Stored rows → the µs view the algorithm works on (truncated exactly as Jaeger's JSON). */
export function criticalPathSpansFromRows(rows: readonly SpanRow[]): CriticalPathSpan[] {
  return rows.map((row) => ({
    spanID: row.SpanId,
    parentSpanID: row.ParentSpanId,
    startUs: nsTextToUs(row.Timestamp),
    durationUs: durationNsToUs(row.Duration),
    kind: row.SpanKind,
  }));
}

/** Critical path of one trace given as stored rows. */
export function criticalPathOfRows(rows: readonly SpanRow[]): CriticalPath {
  return criticalPath(criticalPathSpansFromRows(rows));
}

/** Tree of the input: child indexes sorted by start (input order on ties), and the roots. */
interface SpanForest {
  children: number[][];
  roots: number[];
}

function buildForest(spans: readonly CriticalPathSpan[]): SpanForest {
  const indexById = new Map<string, number>();
  spans.forEach((span, i) => {
    if (!indexById.has(span.spanID)) indexById.set(span.spanID, i);
  });
  const children: number[][] = spans.map(() => []);
  const roots: number[] = [];
  spans.forEach((span, i) => {
    if (indexById.get(span.spanID) !== i) return; // a duplicate id: the first span holds it
    const parent =
      isEmptySpanId(span.parentSpanID) || span.parentSpanID === span.spanID
        ? undefined
        : indexById.get(span.parentSpanID);
    if (parent === undefined) roots.push(i);
    else children[parent]?.push(i);
  });
  const byStart = (a: number, b: number): number => at(spans, a).startUs - at(spans, b).startUs || a - b;
  for (const list of children) if (list.length > 1) list.sort(byStart);
  roots.sort(byStart);
  return { children, roots };
}

function at<T>(list: ArrayLike<T>, i: number): T {
  const item = list[i];
  if (item === undefined) throw new RangeError(`index ${i} out of bounds`);
  return item;
}

/**
 * Working arrays for one root's blocking, clipped tree. They are sized once for the whole trace and reused
 * for every root: `epoch` says which root last claimed an entry, so nothing needs clearing between roots.
 */
class ClippedTree {
  readonly startUs: Float64Array;
  readonly endUs: Float64Array;
  readonly parent: Int32Array;
  readonly epoch: Int32Array;
  /** kept children in start order */
  readonly kept: number[][];
  /** kept children by end desc, start order on ties; built on first return to the span */
  readonly byEnd: (number[] | undefined)[];
  readonly cursor: Int32Array;

  constructor(size: number) {
    this.startUs = new Float64Array(size);
    this.endUs = new Float64Array(size);
    this.parent = new Int32Array(size);
    this.epoch = new Int32Array(size).fill(-1);
    this.kept = Array.from({ length: size }, () => []);
    this.byEnd = new Array<number[] | undefined>(size).fill(undefined);
    this.cursor = new Int32Array(size);
  }

  /** Steps 1 and 2 for the tree under `root`, iteratively (10,000-deep traces must not blow the stack). */
  build(spans: readonly CriticalPathSpan[], forest: SpanForest, root: number, epoch: number): void {
    const rootSpan = at(spans, root);
    this.claim(root, epoch, -1, rootSpan.startUs, rootSpan.startUs + rootSpan.durationUs);
    const stack = [root];
    for (let u = stack.pop(); u !== undefined; u = stack.pop()) {
      const parentKind = at(spans, u).kind;
      const ps = at(this.startUs, u);
      const pe = at(this.endUs, u);
      for (const c of at(forest.children, u)) {
        const child = at(spans, c);
        if (parentKind === 'Producer' && child.kind === 'Consumer') continue; // non-blocking
        let cs = child.startUs;
        let ce = child.startUs + child.durationUs;
        if (cs >= ps) {
          if (cs >= pe) continue; // starts at or after the parent's end
          if (ce > pe) ce = pe;
        } else {
          if (ce <= ps) continue; // ends at or before the parent's start
          cs = ps;
          if (ce > pe) ce = pe;
        }
        this.claim(c, epoch, u, cs, ce);
        at(this.kept, u).push(c);
        stack.push(c);
      }
    }
  }

  private claim(i: number, epoch: number, parent: number, startUs: number, endUs: number): void {
    this.epoch[i] = epoch;
    this.parent[i] = parent;
    this.startUs[i] = startUs;
    this.endUs[i] = endUs;
    this.kept[i] = [];
    this.byEnd[i] = undefined;
    this.cursor[i] = 0;
  }

  /**
   * The last-finishing kept child of `u` that ends strictly before `boundUs` (any child without a bound).
   * Bounds only shrink each time the walk comes back to a span, so a cursor over the children sorted by end
   * never moves backwards: the whole walk is O(n log n) even for a span with thousands of children.
   */
  lastFinishingChild(u: number, boundUs: number | undefined): number | undefined {
    let sorted = this.byEnd[u];
    if (sorted === undefined) {
      const kept = at(this.kept, u);
      // `kept` is in start order, so its index breaks ties in favour of the earlier start.
      const order = kept.map((_, k) => k);
      order.sort((a, b) => at(this.endUs, at(kept, b)) - at(this.endUs, at(kept, a)) || a - b);
      sorted = order.map((k) => at(kept, k));
      this.byEnd[u] = sorted;
    }
    let k = at(this.cursor, u);
    if (boundUs !== undefined) {
      while (k < sorted.length && at(this.endUs, at(sorted, k)) >= boundUs) k++;
    }
    if (k >= sorted.length) {
      this.cursor[u] = k;
      return undefined;
    }
    this.cursor[u] = k + 1;
    return at(sorted, k);
  }
}

/** The critical path of one trace (Jaeger UI's algorithm; see the module comment). */
export function criticalPath(spans: readonly CriticalPathSpan[]): CriticalPath {
  const forest = buildForest(spans);
  const tree = new ClippedTree(spans.length);
  const sections: CriticalPathSection[] = [];
  const selfUs = new Map<string, number>();
  const emit = (i: number, sectionStart: number, sectionEnd: number): void => {
    if (sectionStart === sectionEnd) return;
    const spanID = at(spans, i).spanID;
    sections.push({ spanID, sectionStart, sectionEnd });
    selfUs.set(spanID, (selfUs.get(spanID) ?? 0) + (sectionEnd - sectionStart));
  };

  forest.roots.forEach((root, epoch) => {
    tree.build(spans, forest, root, epoch);
    let u = root;
    let boundUs: number | undefined;
    // Each step either descends into a child never visited before or climbs with a smaller bound, so the
    // loop ends after at most 2n steps.
    for (;;) {
      const sectionEnd = boundUs ?? at(tree.endUs, u);
      const child = tree.lastFinishingChild(u, boundUs);
      if (child !== undefined) {
        emit(u, at(tree.endUs, child), sectionEnd);
        u = child;
        boundUs = undefined;
        continue;
      }
      emit(u, at(tree.startUs, u), sectionEnd);
      const parent = at(tree.parent, u);
      if (parent < 0) break;
      boundUs = at(tree.startUs, u);
      u = parent;
    }
  });

  const selfTimes = [...selfUs]
    .map(([spanID, selfTimeUs]) => ({ spanID, selfTimeUs }))
    .sort((a, b) => b.selfTimeUs - a.selfTimeUs || (a.spanID < b.spanID ? -1 : a.spanID > b.spanID ? 1 : 0));
  return { sections, selfTimes };
}
