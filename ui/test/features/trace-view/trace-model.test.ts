import { describe, expect, it } from 'vitest';
import {
  ancestorsOf,
  buildTraceModel,
  findSpans,
  visibleRows,
} from '../../../src/features/trace-view/trace-model';
import { chain, span, trace } from './fixtures';

// root ─┬─ a (starts later, listed first) ── a1
//       └─ b (starts first)
const spans = [
  span('a1', 'a', 130, 10, {
    processID: 'p2',
    tags: [{ key: 'http.response.status_code', type: 'int64', value: 503 }],
  }),
  span('a', 'root', 120, 50, { processID: 'p2' }),
  span('root', null, 100, 100),
  span('b', 'root', 110, 5, { tags: [{ key: 'error', type: 'bool', value: true }] }),
];
const model = buildTraceModel(trace(spans));
const ids = (indexes: number[]) => indexes.map((i) => model.spans[i]?.span.spanID);

describe('buildTraceModel', () => {
  it('orders spans as a tree, siblings by start time', () => {
    expect(ids(model.spans.map((_, i) => i))).toEqual(['root', 'b', 'a', 'a1']);
    expect(model.spans.map((n) => n.depth)).toEqual([0, 1, 1, 2]);
    expect(model.spans[0]?.descendants).toBe(3);
    expect(model.spans[2]?.descendants).toBe(1);
  });

  it('knows the trace bounds, services in order of appearance and errors', () => {
    expect([model.startUs, model.endUs]).toEqual([100, 200]);
    expect(model.services).toEqual(['frontend', 'reviews']);
    expect(model.errorCount).toBe(1);
    expect(model.spans[1]?.hasError).toBe(true);
  });

  it('shows spans whose parent is missing as roots instead of dropping them', () => {
    const orphaned = buildTraceModel(trace([span('x', 'gone', 5, 1), span('y', null, 1, 10)]));
    expect(orphaned.spans.map((n) => [n.span.spanID, n.depth])).toEqual([
      ['y', 0],
      ['x', 0],
    ]);
  });

  it('survives reference cycles', () => {
    const cyclic = buildTraceModel(trace([span('p', 'q', 1, 1), span('q', 'p', 2, 1)]));
    expect(cyclic.spans.map((n) => n.span.spanID).sort()).toEqual(['p', 'q']);
  });

  it('builds a 10 000-deep chain without overflowing the stack', () => {
    const deep = buildTraceModel(chain(10_000));
    expect(deep.spans).toHaveLength(10_000);
    expect(deep.maxDepth).toBe(9_999);
    expect(deep.spans[0]?.descendants).toBe(9_999);
  });
});

describe('visibleRows', () => {
  it('skips the subtree of a collapsed span', () => {
    expect(ids(visibleRows(model, new Set()))).toEqual(['root', 'b', 'a', 'a1']);
    expect(ids(visibleRows(model, new Set([2])))).toEqual(['root', 'b', 'a']);
    expect(ids(visibleRows(model, new Set([0])))).toEqual(['root']);
  });
});

describe('ancestorsOf', () => {
  it('lists parents nearest first', () => {
    expect(ids(ancestorsOf(model, 3))).toEqual(['a', 'root']);
    expect(ancestorsOf(model, 0)).toEqual([]);
  });
});

describe('findSpans', () => {
  it('matches operation, service, tag values and exact span ids', () => {
    expect(ids(findSpans(model, 'op-a'))).toEqual(['a', 'a1']);
    expect(ids(findSpans(model, 'REVIEWS'))).toEqual(['a', 'a1']);
    expect(ids(findSpans(model, '503'))).toEqual(['a1']);
    expect(ids(findSpans(model, 'b'))).toEqual(['b']);
    expect(findSpans(model, '  ')).toEqual([]);
  });
});
