import type { buildApp } from '@meshscope/query';

type QueryApp = Awaited<ReturnType<typeof buildApp>>;

/** Latency of one endpoint over repeated calls, each with its own URL (no answer served from a cache). */
export interface EndpointTiming {
  name: string;
  calls: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** the target p99 from the issue, when there is one */
  targetP99Ms?: number;
  /** a sample answer size, bytes */
  bytes: number;
}

/** Nearest-rank quantile of ascending values. */
export function quantile(sortedAsc: readonly number[], q: number): number {
  if (sortedAsc.length === 0) return NaN;
  const rank = Math.min(sortedAsc.length, Math.max(1, Math.ceil(q * sortedAsc.length)));
  return sortedAsc[rank - 1] ?? NaN;
}

/**
 * Calls `url(i)` `calls` times one after another (after `warmup` untimed calls) through the app's
 * injector: the whole request path (routing, validation, ClickHouse, conversion, serialisation) without
 * the socket. Any answer but 200 stops the bench: a fast error is not a result.
 */
export async function timeEndpoint(
  app: QueryApp,
  name: string,
  url: (i: number) => string,
  calls: number,
  warmup: number,
  targetP99Ms?: number,
): Promise<EndpointTiming> {
  let bytes = 0;
  const run = async (i: number): Promise<number> => {
    const t0 = performance.now();
    const res = await app.inject({ method: 'GET', url: url(i) });
    const ms = performance.now() - t0;
    if (res.statusCode !== 200) {
      throw new Error(`${name}: ${url(i)} answered ${res.statusCode}: ${res.body.slice(0, 300)}`);
    }
    bytes = res.rawPayload.length;
    return ms;
  };
  for (let i = 0; i < warmup; i++) await run(calls + i);
  const times: number[] = [];
  for (let i = 0; i < calls; i++) times.push(await run(i));
  times.sort((a, b) => a - b);
  return {
    name,
    calls,
    p50Ms: quantile(times, 0.5),
    p99Ms: quantile(times, 0.99),
    maxMs: times[times.length - 1] ?? NaN,
    ...(targetP99Ms !== undefined ? { targetP99Ms } : {}),
    bytes,
  };
}

export function formatTable(rows: readonly EndpointTiming[]): string {
  const header = ['endpoint', 'calls', 'p50 ms', 'p99 ms', 'max ms', 'target p99', 'answer', ''];
  const body = rows.map((r) => [
    r.name,
    String(r.calls),
    r.p50Ms.toFixed(1),
    r.p99Ms.toFixed(1),
    r.maxMs.toFixed(1),
    r.targetP99Ms !== undefined ? `<= ${r.targetP99Ms}` : '',
    r.bytes >= 1024 ? `${(r.bytes / 1024).toFixed(0)} KiB` : `${r.bytes} B`,
    r.targetP99Ms === undefined ? '' : r.p99Ms <= r.targetP99Ms ? 'ok' : 'MISSED',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}
