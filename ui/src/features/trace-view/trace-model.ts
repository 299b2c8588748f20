import type { JaegerKeyValue, JaegerSpan, JaegerTrace } from '@meshscope/query/api';

/**
 * A trace as the waterfall needs it: spans in tree order (parents before children, siblings by start),
 * with depth, children and descendant counts, built without recursion so a 10 000-deep chain cannot
 * overflow the stack. Indexes into `spans` are the currency of the view: cheap to keep in sets and arrays.
 */

export interface SpanNode {
  span: JaegerSpan;
  service: string;
  depth: number;
  /** index of the parent in `TraceModel.spans`, -1 for a root */
  parent: number;
  children: number[];
  /** spans below this one, at any depth */
  descendants: number;
  startUs: number;
  endUs: number;
  hasError: boolean;
}

export interface TraceModel {
  traceID: string;
  /** tree order */
  spans: SpanNode[];
  byId: Map<string, number>;
  processes: JaegerTrace['processes'];
  startUs: number;
  endUs: number;
  /** services in order of first appearance in the tree */
  services: string[];
  maxDepth: number;
  errorCount: number;
}

/** Jaeger marks failed spans with `error=true` (and OTLP status as `otel.status_code=ERROR`). */
export function spanHasError(tags: readonly JaegerKeyValue[]): boolean {
  return tags.some(
    (t) =>
      (t.key === 'error' && (t.value === true || t.value === 'true')) ||
      (t.key === 'otel.status_code' && t.value === 'ERROR'),
  );
}

/** The parent: the first CHILD_OF reference, else the first reference (FOLLOWS_FROM), as Jaeger UI does. */
function parentIdOf(span: JaegerSpan): string | undefined {
  const refs = span.references.filter((r) => r.traceID === span.traceID);
  return (refs.find((r) => r.refType === 'CHILD_OF') ?? refs[0])?.spanID;
}

export function buildTraceModel(trace: JaegerTrace): TraceModel {
  const input = trace.spans;
  const firstIndex = new Map<string, number>();
  input.forEach((span, i) => {
    if (!firstIndex.has(span.spanID)) firstIndex.set(span.spanID, i);
  });
  const childrenOf: number[][] = input.map(() => []);
  const roots: number[] = [];
  input.forEach((span, i) => {
    const parentId = parentIdOf(span);
    const parent = parentId === undefined || parentId === span.spanID ? undefined : firstIndex.get(parentId);
    if (parent === undefined || firstIndex.get(span.spanID) !== i) roots.push(i);
    else childrenOf[parent]?.push(i);
  });
  const byStart = (a: number, b: number): number =>
    (input[a]?.startTime ?? 0) - (input[b]?.startTime ?? 0) || a - b;
  roots.sort(byStart);
  for (const list of childrenOf) if (list.length > 1) list.sort(byStart);

  // Iterative pre-order walk; `visited` guards against reference cycles in malformed input.
  const order: { input: number; depth: number; parent: number }[] = [];
  const visited = new Uint8Array(input.length);
  const stack: { input: number; depth: number; parent: number }[] = roots
    .toReversed()
    .map((r) => ({ input: r, depth: 0, parent: -1 }));
  for (let guard = 0; stack.length > 0 && guard <= input.length * 2; guard++) {
    const item = stack.pop();
    if (!item || visited[item.input]) continue;
    visited[item.input] = 1;
    const at = order.length;
    order.push(item);
    const kids = childrenOf[item.input] ?? [];
    for (let k = kids.length - 1; k >= 0; k--)
      stack.push({ input: kids[k] ?? 0, depth: item.depth + 1, parent: at });
  }
  // Spans caught in a cycle were never reached from a root: show them as roots at the end.
  input.forEach((_, i) => {
    if (!visited[i]) order.push({ input: i, depth: 0, parent: -1 });
  });

  const serviceOf = (span: JaegerSpan): string => trace.processes[span.processID]?.serviceName ?? 'unknown';
  const spans: SpanNode[] = order.map(({ input: i, depth, parent }) => {
    const span = input[i] as JaegerSpan;
    return {
      span,
      service: serviceOf(span),
      depth,
      parent,
      children: [],
      descendants: 0,
      startUs: span.startTime,
      endUs: span.startTime + span.duration,
      hasError: spanHasError(span.tags),
    };
  });
  spans.forEach((node, i) => spans[node.parent]?.children.push(i));
  // children come after their parent in tree order, so one backward pass sums subtree sizes
  for (let i = spans.length - 1; i >= 0; i--) {
    const node = spans[i] as SpanNode;
    const parent = spans[node.parent];
    if (parent) parent.descendants += node.descendants + 1;
  }

  const byId = new Map<string, number>();
  spans.forEach((n, i) => {
    if (!byId.has(n.span.spanID)) byId.set(n.span.spanID, i);
  });
  const services: string[] = [];
  const seen = new Set<string>();
  let startUs = Infinity;
  let endUs = -Infinity;
  let maxDepth = 0;
  let errorCount = 0;
  for (const n of spans) {
    if (!seen.has(n.service)) {
      seen.add(n.service);
      services.push(n.service);
    }
    startUs = Math.min(startUs, n.startUs);
    endUs = Math.max(endUs, n.endUs);
    maxDepth = Math.max(maxDepth, n.depth);
    if (n.hasError) errorCount++;
  }
  if (spans.length === 0) startUs = endUs = 0;
  return {
    traceID: trace.traceID,
    spans,
    byId,
    processes: trace.processes,
    startUs,
    endUs,
    services,
    maxDepth,
    errorCount,
  };
}

/**
 * Rows to show: tree order, skipping the subtrees of collapsed spans. Since tree order puts a subtree right
 * after its root, skipping is a jump by `descendants`, so this is linear in the visible rows.
 */
export function visibleRows(model: TraceModel, collapsed: ReadonlySet<number>): number[] {
  const rows: number[] = [];
  for (let i = 0; i < model.spans.length;) {
    rows.push(i);
    const node = model.spans[i] as SpanNode;
    i += collapsed.has(i) ? node.descendants + 1 : 1;
  }
  return rows;
}

/** The chain of ancestors of a span, nearest first: expanded to reveal a search hit. */
export function ancestorsOf(model: TraceModel, index: number): number[] {
  const chain: number[] = [];
  let parent = model.spans[index]?.parent ?? -1;
  for (let guard = 0; parent >= 0 && guard < model.spans.length; guard++) {
    chain.push(parent);
    parent = model.spans[parent]?.parent ?? -1;
  }
  return chain;
}

/** Spans whose operation, service, id or any tag key/value contains the text (case-insensitive). */
export function findSpans(model: TraceModel, text: string): number[] {
  const needle = text.trim().toLowerCase();
  if (needle === '') return [];
  const hits: number[] = [];
  model.spans.forEach((node, i) => {
    const { span } = node;
    if (
      span.operationName.toLowerCase().includes(needle) ||
      node.service.toLowerCase().includes(needle) ||
      span.spanID.toLowerCase() === needle ||
      span.tags.some(
        (t) => t.key.toLowerCase().includes(needle) || String(t.value).toLowerCase().includes(needle),
      )
    ) {
      hits.push(i);
    }
  });
  return hits;
}
