/**
 * The load process of bench:collector: POSTs pre-serialised OTLP/protobuf trace requests to a collector for
 * a fixed time over a fixed number of keep-alive connections, honouring 503/429 + Retry-After, and prints a
 * JSON summary (LoadSummary) on stdout.
 *   node otlp-load.js <url> <payload-file> <seconds> <concurrency>
 * Payloads are sent in order, round after round; each round rewrites the trace ids (payloadForRound) so
 * that no span is ever sent twice.
 */
import http from 'node:http';
import { payloadForRound, readPayloadFile } from './collector/payloads.js';

export interface LoadSummary {
  requests: number;
  ok: number;
  refused: number;
  failed: number;
  spansSent: number;
  spansAcked: number;
  /** from the first request to the last answer */
  seconds: number;
  latencyMs: { p50: number; p99: number; max: number };
  firstError?: string;
}

function post(agent: http.Agent, url: URL, body: Buffer): Promise<{ status: number; retryAfterSec: number }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length },
      },
      (res) => {
        res.resume();
        res.on('error', reject);
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, retryAfterSec: Number(res.headers['retry-after'] ?? 0) }),
        );
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error('no answer within 30 s')));
    req.on('error', reject);
    req.end(body);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

async function main(): Promise<void> {
  const [urlArg, payloadFile, secondsArg, concurrencyArg] = process.argv.slice(2);
  if (!urlArg || !payloadFile)
    throw new Error('usage: otlp-load <url> <payload-file> <seconds> <concurrency>');
  const seconds = Number(secondsArg ?? 20);
  const concurrency = Number(concurrencyArg ?? 256);
  if (!(seconds > 0 && seconds <= 600)) throw new Error(`seconds must be in (0, 600], got ${secondsArg}`);
  if (!(Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= 4096))
    throw new Error(`concurrency must be an integer in [1, 4096], got ${concurrencyArg}`);
  const payloads = await readPayloadFile(payloadFile);
  if (payloads.length === 0) throw new Error(`no payloads in ${payloadFile}`);

  const url = new URL(urlArg);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const summary: LoadSummary = {
    requests: 0,
    ok: 0,
    refused: 0,
    failed: 0,
    spansSent: 0,
    spansAcked: 0,
    seconds,
    latencyMs: { p50: NaN, p99: NaN, max: NaN },
  };
  const latencies: number[] = [];
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let next = 0;
  const worker = async () => {
    while (performance.now() < deadline) {
      const n = next++;
      const payload = payloads[n % payloads.length];
      if (!payload) break;
      const body = payloadForRound(payload, Math.floor(n / payloads.length));
      summary.requests++;
      summary.spansSent += payload.spans;
      const sentAt = performance.now();
      try {
        const { status, retryAfterSec } = await post(agent, url, body);
        latencies.push(performance.now() - sentAt);
        if (status === 200) {
          summary.ok++;
          summary.spansAcked += payload.spans;
        } else if (status === 503 || status === 429) {
          summary.refused++;
          const waitMs = Math.max(100, retryAfterSec * 1000);
          await sleep(Math.min(waitMs, Math.max(0, deadline - performance.now())));
        } else {
          summary.failed++;
          summary.firstError ??= `HTTP ${status}`;
        }
      } catch (err) {
        summary.failed++;
        summary.firstError ??= (err as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  summary.seconds = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  summary.latencyMs = {
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    max: latencies.at(-1) ?? NaN,
  };
  process.stdout.write(JSON.stringify(summary) + '\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
