/** Load tools: wrk for peak throughput, and a fixed-rate Node generator for latency at a known load. */
import { execFile } from 'node:child_process';
import http from 'node:http';

export interface WrkResult {
  rps: number;
  /** requests completed in the run */
  requests: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

function toMs(v: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(v.trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 's' ? n * 1000 : n;
}

/** `wrk --latency`: closed-loop peak throughput with `connections` keep-alive connections. */
export function wrk(port: number, host: string, seconds: number, connections: number): Promise<WrkResult> {
  return new Promise((resolve, reject) => {
    execFile(
      'wrk',
      [
        '-t1',
        `-c${connections}`,
        `-d${seconds}s`,
        '--latency',
        '-H',
        `Host: ${host}`,
        `http://127.0.0.1:${port}/api/items`,
      ],
      { timeout: (seconds + 30) * 1000 },
      (err, stdout) => {
        if (err) return reject(err instanceof Error ? err : new Error('wrk failed'));
        const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? NaN);
        const requests = Number(/(\d+) requests in/.exec(stdout)?.[1] ?? NaN);
        const p50 = /^\s+50%\s+(\S+)/m.exec(stdout)?.[1] ?? '';
        const p99 = /^\s+99%\s+(\S+)/m.exec(stdout)?.[1] ?? '';
        const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout)?.[1] ?? 0);
        const sockErr = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
        const errors = non2xx + (sockErr ? sockErr.slice(1).reduce((s, x) => s + Number(x), 0) : 0);
        resolve({ rps, requests, p50Ms: toMs(p50), p99Ms: toMs(p99), errors });
      },
    );
  });
}

export interface RateResult {
  /** latency of every answered request after the warm-up, ms, sorted */
  latencies: Float64Array;
  sent: number;
  failed: number;
  /** sends that left more than 2 ms after their scheduled time (the generator could not keep up) */
  late: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  /** p99 of each consecutive `windowSeconds` of the measured part, in order: is the tail steady? */
  windowP99Ms: number[];
  /** p99 of the warm-up requests (NaN without a warm-up) */
  warmupP99Ms: number;
}

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** A keep-alive client for `fixedRate`, kept for the whole benchmark so a round does not start cold. */
export function rateClient(): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets: 64 });
}

/**
 * Open-loop load at `rps` for `warmupSeconds + seconds`: requests leave on a fixed schedule whatever the
 * answers do, and latency is measured from send to the end of the response. The figures are for the
 * requests after the warm-up; the warm-up's own p99 is reported apart. Bounded: exactly
 * rps × (warmup + seconds) requests.
 *
 * The sender sleeps on a timer between sends (Node's timers have 1 ms resolution: at 1,000 req/s about one
 * request per tick). A first version spun on setImmediate, which held one of the two cores at 100 % and
 * left the processes under test to share the other: their scheduling delays were part of the tail.
 */
export async function fixedRate(
  port: number,
  host: string,
  rps: number,
  seconds: number,
  client: http.Agent = rateClient(),
  warmupSeconds = 0,
  windowSeconds = 2,
): Promise<RateResult> {
  const warm = Math.round(rps * warmupSeconds);
  const total = warm + rps * seconds;
  // in send order; NaN for a failed request
  const lat = new Float64Array(total);
  let done = 0;
  let failed = 0;
  let late = 0;
  let sent = 0;
  const start = performance.now() + 5;
  const due = (n: number) => start + (n * 1000) / rps;
  await new Promise<void>((resolve) => {
    const settle = (i: number, ms: number, ok: boolean) => {
      lat[i] = ok ? ms : NaN;
      if (i >= warm && !ok) failed++;
      if (++done === total) resolve();
    };
    const fire = () => {
      const now = performance.now();
      while (sent < total && due(sent) <= now) {
        const i = sent++;
        if (i >= warm && now - due(i) > 2) late++;
        const t0 = performance.now();
        const req = http.request(
          { host: '127.0.0.1', port, path: '/api/items', headers: { host }, agent: client },
          (res) => {
            res.resume();
            res.on('end', () => settle(i, performance.now() - t0, res.statusCode === 200));
          },
        );
        req.on('error', () => settle(i, NaN, false));
        req.end();
      }
      if (sent < total) setTimeout(fire, Math.max(0, due(sent) - performance.now()));
    };
    fire();
  });
  const answered = (a: Float64Array) => a.filter((x) => !Number.isNaN(x)).sort();
  const ok = answered(lat.subarray(warm));
  const per = Math.max(1, Math.round(rps * windowSeconds));
  const windowP99Ms: number[] = [];
  for (let o = warm; o < total; o += per)
    windowP99Ms.push(percentile(answered(lat.subarray(o, Math.min(total, o + per))), 99));
  return {
    latencies: ok,
    sent: total - warm,
    failed,
    late,
    p50Ms: percentile(ok, 50),
    p90Ms: percentile(ok, 90),
    p99Ms: percentile(ok, 99),
    windowP99Ms,
    warmupP99Ms: percentile(answered(lat.subarray(0, warm)), 99),
  };
}
