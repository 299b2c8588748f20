import { describe, expect, it } from 'vitest';
import type { SpanKindName } from '@meshscope/collector';
import {
  criticalPath,
  criticalPathOfRows,
  criticalPathSchema,
  type CriticalPathSection,
  type CriticalPathSpan,
} from '../../src/tracing/critical-path.js';
import { prng, sid, spanRow, T0_NS } from './rows.js';

const span = (
  spanID: string,
  parentSpanID: string,
  startUs: number,
  durationUs: number,
  kind: SpanKindName = 'Internal',
): CriticalPathSpan => ({ spanID, parentSpanID, startUs, durationUs, kind });

const sec = (spanID: string, sectionStart: number, sectionEnd: number): CriticalPathSection => ({
  spanID,
  sectionStart,
  sectionEnd,
});

// The cases of jaeger-ui's CriticalPath/testCases (test1 … test9), same times, same expected sections.
describe('critical path: jaeger-ui test cases', () => {
  it('two sequential children: the parent fills the gaps (test1)', () => {
    const spans = [span('E', 'C', 50, 10), span('C', '', 1, 100), span('D', 'C', 20, 20)];
    expect(criticalPath(spans).sections).toEqual([
      sec('C', 60, 101),
      sec('E', 50, 60),
      sec('C', 40, 50),
      sec('D', 20, 40),
      sec('C', 1, 20),
    ]);
  });

  it('overlapping children: the one ending earlier is skipped (test2)', () => {
    const spans = [span('X', '', 1, 100), span('A', 'X', 10, 40), span('C', 'X', 20, 40)];
    expect(criticalPath(spans).sections).toEqual([sec('X', 60, 101), sec('C', 20, 60), sec('X', 1, 20)]);
  });

  it('a child starting exactly at the parent end is dropped (test3)', () => {
    const spans = [span('A', '', 100, 40), span('B', 'A', 140, 60)];
    expect(criticalPath(spans).sections).toEqual([sec('A', 100, 140)]);
  });

  it('a child entirely after the parent is dropped with its subtree (test4)', () => {
    const spans = [span('A', '', 1, 30), span('B', 'A', 40, 40), span('C', 'B', 50, 10)];
    expect(criticalPath(spans).sections).toEqual([sec('A', 1, 31)]);
  });

  it('a CONSUMER child of a PRODUCER does not block it, nor does its subtree (test5)', () => {
    const spans = [
      span('A', '', 1, 30, 'Producer'),
      span('B', 'A', 10, 10, 'Consumer'),
      span('C', 'B', 12, 2, 'Internal'),
    ];
    expect(criticalPath(spans).sections).toEqual([sec('A', 1, 31)]);
  });

  it('children are clipped to the already clipped parent (test6)', () => {
    const spans = [span('A', '', 1, 29), span('B', 'A', 15, 20), span('C', 'B', 10, 15)];
    expect(criticalPath(spans).sections).toEqual([sec('B', 25, 30), sec('C', 15, 25), sec('A', 1, 15)]);
  });

  it('a grandchild overflowing both ancestors is clipped to the end (test7)', () => {
    const spans = [span('A', '', 1, 29), span('B', 'A', 15, 20), span('C', 'B', 20, 20)];
    expect(criticalPath(spans).sections).toEqual([sec('C', 20, 30), sec('B', 15, 20), sec('A', 1, 15)]);
  });

  it('a child wider than its parent is clipped on both sides (test8)', () => {
    const spans = [span('A', '', 10, 20), span('B', 'A', 5, 30)];
    expect(criticalPath(spans).sections).toEqual([sec('B', 10, 30)]);
  });

  it('a child ending before the parent starts is dropped (test9)', () => {
    const spans = [span('A', '', 10, 20), span('B', 'A', 1, 4)];
    expect(criticalPath(spans).sections).toEqual([sec('A', 10, 30)]);
  });
});

describe('critical path: our cases', () => {
  it('equal end times go to the earlier start', () => {
    // Were the tie broken towards Y, the walk would end with P 0-20 (X ends after Y starts).
    const spans = [span('P', '', 0, 100), span('Y', 'P', 20, 30), span('X', 'P', 10, 40)];
    expect(criticalPath(spans).sections).toEqual([sec('P', 50, 100), sec('X', 10, 50), sec('P', 0, 10)]);
  });

  it('equal start and end: the span listed first wins', () => {
    const spans = [span('P', '', 0, 100), span('B', 'P', 10, 40), span('A', 'P', 10, 40)];
    expect(criticalPath(spans).sections).toEqual([sec('P', 50, 100), sec('B', 10, 50), sec('P', 0, 10)]);
  });

  it('a child ending exactly where its successor starts is not on the path (Jaeger bounds strictly)', () => {
    const spans = [span('P', '', 0, 100), span('A', 'P', 10, 20), span('B', 'P', 30, 20)];
    expect(criticalPath(spans).sections).toEqual([sec('P', 50, 100), sec('B', 30, 50), sec('P', 0, 30)]);
    // one µs of daylight and it is
    const apart = [span('P', '', 0, 100), span('A', 'P', 10, 19), span('B', 'P', 30, 20)];
    expect(criticalPath(apart).sections).toEqual([
      sec('P', 50, 100),
      sec('B', 30, 50),
      sec('P', 29, 30),
      sec('A', 10, 29),
      sec('P', 0, 10),
    ]);
  });

  it('a PRODUCER parent blocks on non-consumer children, and other parents block on consumers', () => {
    const spans = [
      span('R', '', 0, 100, 'Server'),
      span('P', 'R', 10, 50, 'Producer'),
      span('K', 'P', 20, 20, 'Client'),
      span('C', 'R', 70, 10, 'Consumer'),
    ];
    expect(criticalPath(spans).sections).toEqual([
      sec('R', 80, 100),
      sec('C', 70, 80),
      sec('R', 60, 70),
      sec('P', 40, 60),
      sec('K', 20, 40),
      sec('P', 10, 20),
      sec('R', 0, 10),
    ]);
  });

  it('several roots are concatenated in start order, each newest first', () => {
    const spans = [span('late', '', 200, 50), span('early', '', 0, 100), span('child', 'early', 10, 30)];
    expect(criticalPath(spans).sections).toEqual([
      sec('early', 40, 100),
      sec('child', 10, 40),
      sec('early', 0, 10),
      sec('late', 200, 250),
    ]);
  });

  it('a span whose parent is missing is a root, and is not clipped', () => {
    const spans = [
      span('A', '', 0, 10),
      span('orphan', 'ffffffffffffffff', 5, 100),
      span('B', 'orphan', 50, 10),
    ];
    expect(criticalPath(spans).sections).toEqual([
      sec('A', 0, 10),
      sec('orphan', 60, 105),
      sec('B', 50, 60),
      sec('orphan', 5, 50),
    ]);
  });

  it('an all-zero parent id means no parent', () => {
    const spans = [span('A', '0000000000000000', 0, 10)];
    expect(criticalPath(spans).sections).toEqual([sec('A', 0, 10)]);
  });

  it('self times add up per span and are sorted largest first', () => {
    const spans = [span('E', 'C', 50, 10), span('C', '', 1, 100), span('D', 'C', 20, 20)];
    const result = criticalPath(spans);
    expect(result.selfTimes).toEqual([
      { spanID: 'C', selfTimeUs: 70 },
      { spanID: 'D', selfTimeUs: 20 },
      { spanID: 'E', selfTimeUs: 10 },
    ]);
    expect(criticalPathSchema.parse(result)).toEqual(result);
  });

  it('an empty trace has an empty path', () => {
    expect(criticalPath([])).toEqual({ sections: [], selfTimes: [] });
  });

  it('reads stored rows, truncating ns to µs as Jaeger does', () => {
    const rows = [
      spanRow(sid(1), '', 0, 0, { Timestamp: (T0_NS + 999n).toString(), Duration: 100_999 }),
      spanRow(sid(2), sid(1), 0, 0, { Timestamp: (T0_NS + 10_500n).toString(), Duration: 20_700 }),
    ];
    const t0Us = Number(T0_NS / 1000n);
    // root [t0, t0+100], child [t0+10, t0+30]: start and duration truncated separately
    expect(criticalPathOfRows(rows).sections).toEqual([
      sec(sid(1), t0Us + 30, t0Us + 100),
      sec(sid(2), t0Us + 10, t0Us + 30),
      sec(sid(1), t0Us, t0Us + 10),
    ]);
  });
});

describe('critical path: large traces', () => {
  it('walks a 10,000-deep chain without recursion', () => {
    const depth = 10_000;
    // span k covers [k, 2·depth − k]: each one nests inside the previous
    const spans = Array.from({ length: depth }, (_, k) =>
      span(`s${k}`, k === 0 ? '' : `s${k - 1}`, k, 2 * (depth - k)),
    );
    const { sections, selfTimes } = criticalPath(spans);
    expect(sections).toHaveLength(2 * depth - 1);
    expect(sections[0]).toEqual(sec('s0', 2 * depth - 1, 2 * depth));
    expect(sections[depth - 1]).toEqual(sec(`s${depth - 1}`, depth - 1, depth + 1));
    expect(sections.at(-1)).toEqual(sec('s0', 0, 1));
    expect(selfTimes.every((s) => s.selfTimeUs === 2)).toBe(true);
    expect(selfTimes).toHaveLength(depth);
  });

  it('walks a root with 9,999 overlapping children', () => {
    const n = 9_999;
    // child k covers [k, k + 50]: each ends after the next one starts, so only every 51st is on the path
    const spans = [
      span('root', '', 0, n + 100),
      ...Array.from({ length: n }, (_, k) => span(`c${k}`, 'root', k, 50)),
    ];
    const { sections } = criticalPath(spans);
    assertTiles(sections, 0, n + 100);
    const onPath = sections.filter((s) => s.spanID !== 'root').map((s) => s.spanID);
    expect(onPath[0]).toBe(`c${n - 1}`);
    expect(onPath[1]).toBe(`c${n - 1 - 51}`);
  });
});

/** Sections of a single root must tile its window exactly, newest first, with no gaps or overlaps. */
function assertTiles(sections: readonly CriticalPathSection[], startUs: number, endUs: number): void {
  let cursor = endUs;
  for (const s of sections) {
    expect(s.sectionEnd).toBe(cursor);
    expect(s.sectionStart).toBeLessThan(s.sectionEnd);
    cursor = s.sectionStart;
  }
  expect(cursor).toBe(startUs);
}

/**
 * jaeger-ui's algorithm transcribed literally (recursive, map-based, children rescanned on every visit):
 * the reference our iterative O(n log n) walk must agree with on random traces.
 */
function referenceCriticalPath(spans: readonly CriticalPathSpan[]): CriticalPathSection[] {
  const byId = new Map(spans.map((s) => [s.spanID, s]));
  const childrenOf = (id: string): CriticalPathSpan[] =>
    spans.filter((s) => s.parentSpanID === id).sort((a, b) => a.startUs - b.startUs);
  const roots = spans.filter((s) => !byId.has(s.parentSpanID)).sort((a, b) => a.startUs - b.startUs);
  const sections: CriticalPathSection[] = [];
  for (const root of roots) {
    type Cp = { id: string; parent?: string; start: number; end: number; children: string[] };
    const map = new Map<string, Cp>();
    const visit = (s: CriticalPathSpan, parent?: Cp): void => {
      let start = s.startUs;
      let end = s.startUs + s.durationUs;
      if (parent) {
        if (start >= parent.start) {
          if (start >= parent.end) return;
          end = Math.min(end, parent.end);
        } else {
          if (end <= parent.start) return;
          start = parent.start;
          end = Math.min(end, parent.end);
        }
      }
      const cp: Cp = { id: s.spanID, parent: parent?.id, start, end, children: [] };
      map.set(s.spanID, cp);
      parent?.children.push(s.spanID);
      for (const c of childrenOf(s.spanID)) {
        if (s.kind === 'Producer' && c.kind === 'Consumer') continue;
        visit(c, cp);
      }
    };
    visit(root);
    const walk = (id: string, bound?: number): void => {
      const cur = map.get(id);
      if (!cur) return;
      let lfc: Cp | undefined;
      let max = -1;
      for (const cid of cur.children) {
        const c = map.get(cid);
        if (c && (bound === undefined || c.end < bound) && c.end > max) {
          max = c.end;
          lfc = c;
        }
      }
      const end = bound ?? cur.end;
      if (lfc) {
        if (lfc.end !== end) sections.push(sec(cur.id, lfc.end, end));
        walk(lfc.id);
      } else {
        if (cur.start !== end) sections.push(sec(cur.id, cur.start, end));
        if (cur.parent !== undefined) walk(cur.parent, cur.start);
      }
    };
    walk(root.spanID);
  }
  return sections;
}

describe('critical path: agrees with a literal transcription of jaeger-ui on random traces', () => {
  const kinds: SpanKindName[] = ['Server', 'Client', 'Internal', 'Producer', 'Consumer'];
  for (let seed = 1; seed <= 200; seed++) {
    it(`seed ${seed}`, () => {
      const rand = prng(seed);
      const count = 1 + Math.floor(rand() * 40);
      const spans: CriticalPathSpan[] = [];
      for (let k = 0; k < count; k++) {
        const parent = k === 0 || rand() < 0.1 ? '' : `s${Math.floor(rand() * k)}`;
        // coarse times make ties and touching edges common
        const startUs = Math.floor(rand() * 20) * 5;
        const durationUs = Math.floor(rand() * 12) * 5;
        spans.push(span(`s${k}`, parent, startUs, durationUs, kinds[Math.floor(rand() * kinds.length)]));
      }
      const ours = criticalPath(spans);
      expect(ours.sections).toEqual(referenceCriticalPath(spans));
      const total = ours.selfTimes.reduce((sum, s) => sum + s.selfTimeUs, 0);
      expect(total).toBe(ours.sections.reduce((sum, s) => sum + s.sectionEnd - s.sectionStart, 0));
    });
  }

  it('tiles each root window on a generated single-root trace', () => {
    const rand = prng(7);
    const spans: CriticalPathSpan[] = [span('s0', '', 0, 1000)];
    for (let k = 1; k < 500; k++) {
      spans.push(
        span(`s${k}`, `s${Math.floor(rand() * k)}`, Math.floor(rand() * 1000), Math.floor(rand() * 300)),
      );
    }
    assertTiles(criticalPath(spans).sections, 0, 1000);
  });
});
