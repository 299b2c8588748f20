import type { JaegerSpan, JaegerTrace } from '@meshscope/query/api';

export const TRACE = 'abc';

export function span(
  id: string,
  parent: string | null,
  startTime: number,
  duration: number,
  over: Partial<JaegerSpan> = {},
): JaegerSpan {
  return {
    traceID: TRACE,
    spanID: id,
    operationName: `op-${id}`,
    references: parent === null ? [] : [{ refType: 'CHILD_OF', traceID: TRACE, spanID: parent }],
    startTime,
    duration,
    tags: [],
    logs: [],
    processID: 'p1',
    warnings: null,
    ...over,
  };
}

export function trace(spans: JaegerSpan[]): JaegerTrace {
  return {
    traceID: TRACE,
    spans,
    processes: { p1: { serviceName: 'frontend', tags: [] }, p2: { serviceName: 'reviews', tags: [] } },
    warnings: null,
  };
}

/** A chain of `depth` spans, each the only child of the one before. */
export function chain(depth: number): JaegerTrace {
  return trace(
    Array.from({ length: depth }, (_, i) => span(`s${i}`, i === 0 ? null : `s${i - 1}`, 1000 + i, depth - i)),
  );
}
