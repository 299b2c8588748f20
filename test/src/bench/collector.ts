/**
 * `npm run bench:collector [-- --seconds N --concurrency N]`: the collector (`meshscope collector`, its own
 * process, embedded chDB) under OTLP/HTTP protobuf load from a separate load process (otlp-load.js: 100
 * mesh spans per request, trace ids rewritten every round so every span sent is distinct). Stored spans are
 * counted in ClickHouse after the collector has flushed and exited, and checked against the materialized
 * views. The reference is the raw insert rate of the same rows into a fresh chDB with the same schema, in
 * the same run (raw-insert.js). Prints the figures and PASS/MISS per target; exits 0 unless something broke.
 *
 * BENCH_COLLECTOR_NODE_OPTIONS adds Node flags to the collector (e.g. '--cpu-prof --cpu-prof-dir=/tmp/p').
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createStorageClient, storageConfigSchema } from '@meshscope/collector';
import type { LoadSummary } from './otlp-load.js';
import { buildPayloads, writePayloadFile } from './collector/payloads.js';
import { machineTicks, peakRssMb, processTicks, rssMb } from './collector/procfs.js';
import type { RawSummary } from './collector/raw-insert.js';
import { countStored, viewProblems, type StoredCounts } from './collector/storage-check.js';
import { waitForQuiet } from './proxy/quiet.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const CLI = join(here, '..', '..', '..', 'cli', 'dist', 'main.js');
const SPANS_PER_REQUEST = 100;
const BATCH_ROWS = 10_000; // the collector's default --batch-max-rows
const TARGET = { storedPerSec: 100_000, ratio: 0.7, rssMb: 500 };

const children = new Set<ChildProcess>();

function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Runs a Node script to completion and parses the JSON line it prints; kills it after `timeoutMs`. */
async function runJson<T>(script: string, args: string[], timeoutMs: number): Promise<T> {
  const child = track(fork(join(here, script), args, { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] }));
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await exited(child);
  clearTimeout(timer);
  if (code !== 0) throw new Error(`${script} exited with ${code}`);
  return JSON.parse(out.trim().split('\n').at(-1) ?? '') as T;
}

interface CollectorProcess {
  child: ChildProcess;
  pid: number;
  url: string;
  logFile: string;
}

function childEnv(): NodeJS.ProcessEnv {
  // The collector must use its flags only: no server URL or config from the bench's own environment.
  return Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('MESHSCOPE_') && !k.startsWith('CLICKHOUSE_')),
  );
}

async function startCollector(dataDir: string, logFile: string): Promise<CollectorProcess> {
  const port = await freePort();
  const nodeFlags = (process.env.BENCH_COLLECTOR_NODE_OPTIONS ?? '').split(' ').filter(Boolean);
  const log = createWriteStream(logFile);
  const child = track(
    spawn(
      process.execPath,
      [
        ...nodeFlags,
        CLI,
        'collector',
        '--data-dir',
        dataDir,
        '--otlp-http-port',
        String(port),
        '--otlp-grpc-port',
        '0',
        '--log-level',
        'warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv() },
    ),
  );
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      if ((await fetch(`${url}/readyz`)).ok) return { child, pid: child.pid ?? 0, url, logFile };
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error(`the collector did not become ready; its log:\n${await tail(logFile)}`);
}

async function tail(file: string): Promise<string> {
  return (await readFile(file, 'utf8').catch(() => '')).split('\n').slice(-20).join('\n');
}

async function stopCollector(c: CollectorProcess): Promise<number | null> {
  c.child.kill('SIGTERM');
  const timer = setTimeout(() => c.child.kill('SIGKILL'), 120_000);
  const code = await exited(c.child);
  clearTimeout(timer);
  return code;
}

/** A few counters from the collector's /metrics. */
async function scrape(url: string): Promise<{ written: number; inserts: number; spoolBytes: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const sum = (re: RegExp) => [...text.matchAll(re)].reduce((s, m) => s + Number(m[1]), 0);
  return {
    written: sum(/^meshscope_collector_written_rows_total\{table="otel_traces"\} (\S+)$/gm),
    inserts: sum(/^meshscope_collector_insert_duration_seconds_count\{table="otel_traces"\} (\S+)$/gm),
    spoolBytes: sum(/^meshscope_collector_spool_bytes (\S+)$/gm),
  };
}

interface CollectorRun {
  load: LoadSummary;
  stored: StoredCounts;
  meanBatchRows: number;
  spoolBytes: number;
  /** after start-up, before any load */
  rssIdleMb: number;
  rssMaxMb: number;
  rssPeakMb: number;
  /** cores used during the load, by the collector, the load process and everything else */
  cores: { collector: number; load: number; other: number };
  exitCode: number | null;
}

async function runCollector(dir: string, payloadFile: string, seconds: number, concurrency: number) {
  const dataDir = join(dir, 'collector-data');
  const collector = await startCollector(dataDir, join(dir, 'collector.log'));
  const rssIdleMb = rssMb(collector.pid);
  let rssMaxMb = rssIdleMb;
  const sampler = setInterval(() => (rssMaxMb = Math.max(rssMaxMb, rssMb(collector.pid))), 200);
  try {
    const load = fork(
      join(here, 'otlp-load.js'),
      [`${collector.url}/v1/traces`, payloadFile, String(seconds), String(concurrency)],
      { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] },
    );
    track(load);
    const loadPid = load.pid ?? 0;
    const m0 = machineTicks();
    const c0 = processTicks(collector.pid);
    let l0 = processTicks(loadPid);
    let lLast = l0;
    // the load process ends before the last sample; keep its last reading
    const loadSampler = setInterval(() => {
      const t = processTicks(loadPid);
      if (Number.isFinite(t)) lLast = t;
      if (!Number.isFinite(l0)) l0 = t;
    }, 100);
    let out = '';
    load.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const killTimer = setTimeout(() => load.kill('SIGKILL'), (seconds + 90) * 1000);
    const code = await exited(load);
    clearTimeout(killTimer);
    clearInterval(loadSampler);
    const m1 = machineTicks();
    const c1 = processTicks(collector.pid);
    if (code !== 0) throw new Error(`the load process exited with ${code}`);
    const summary = JSON.parse(out.trim().split('\n').at(-1) ?? '') as LoadSummary;
    const metrics = await scrape(collector.url);
    const rssPeakMb = peakRssMb(collector.pid);
    clearInterval(sampler);
    const exitCode = await stopCollector(collector);
    const ticksPerCore = (m1.total - m0.total) / cpus().length;
    const collectorCores = (c1 - c0) / ticksPerCore;
    const loadCores = (lLast - l0) / ticksPerCore;
    const busyCores = (m1.busy - m0.busy) / ticksPerCore;
    const storage = await createStorageClient(
      storageConfigSchema.parse({ dataDir: join(dataDir, 'clickhouse') }),
    );
    let stored: StoredCounts;
    try {
      stored = await countStored(storage);
    } finally {
      await storage.close();
    }
    const run: CollectorRun = {
      load: summary,
      stored,
      meanBatchRows: metrics.inserts ? metrics.written / metrics.inserts : NaN,
      spoolBytes: metrics.spoolBytes,
      rssIdleMb,
      rssMaxMb,
      rssPeakMb,
      cores: {
        collector: collectorCores,
        load: loadCores,
        other: Math.max(0, busyCores - collectorCores - loadCores),
      },
      exitCode,
    };
    return run;
  } finally {
    clearInterval(sampler);
    if (collector.child.exitCode === null) collector.child.kill('SIGKILL');
  }
}

const f = (n: number, d = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d })
    : 'n/a';
const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');

function report(
  opts: { seconds: number; concurrency: number; payloads: number; payloadBytes: number },
  quietBefore: number,
  quietBeforeRaw: number,
  run: CollectorRun,
  raw: RawSummary,
): void {
  const storedPerSec = run.stored.spans / run.load.seconds;
  const rawPerSec = raw.rows / raw.insertSec;
  const ratio = storedPerSec / rawPerSec;
  const rows: [string, string][] = [
    ['load duration', `${f(run.load.seconds, 1)} s, ${opts.concurrency} connections`],
    ['requests ok / refused / failed', `${f(run.load.ok)} / ${f(run.load.refused)} / ${f(run.load.failed)}`],
    ['request latency p50 / p99', `${f(run.load.latencyMs.p50, 1)} / ${f(run.load.latencyMs.p99, 1)} ms`],
    [
      'spans sent / acked / stored',
      `${f(run.load.spansSent)} / ${f(run.load.spansAcked)} / ${f(run.stored.spans)}`,
    ],
    ['stored spans/s', f(storedPerSec)],
    ['collector mean insert batch', `${f(run.meanBatchRows)} rows`],
    [
      'raw chDB spans/s (reference)',
      `${f(rawPerSec)} (${f(raw.rows)} rows in ${f(raw.batches)} inserts of ${f(raw.batchRows)}, ${f(raw.insertSec, 1)} s inserting)`,
    ],
    ['ratio stored / raw', f(ratio, 2)],
    [
      'CPU per 100k spans (all threads)',
      `collector ${f((run.cores.collector * run.load.seconds * 100_000) / run.stored.spans, 2)} s, raw ${f((raw.cpuSec * 100_000) / raw.rows, 2)} s`,
    ],
    [
      'collector RSS idle / max sampled / VmHWM',
      `${f(run.rssIdleMb)} / ${f(run.rssMaxMb)} / ${f(run.rssPeakMb)} MB (raw insert process peak ${f(raw.peakRssMb)} MB)`,
    ],
    [
      'cores used during load',
      `collector ${f(run.cores.collector, 2)}, load process ${f(run.cores.load, 2)}, other work ${f(run.cores.other, 2)} (of ${cpus().length})`,
    ],
    [
      'background before runs',
      `${f(100 * quietBefore)}% (collector run), ${f(100 * quietBeforeRaw)}% (raw run) busy`,
    ],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  process.stdout.write(`${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n\n`);

  const checks: string[] = [];
  if (run.stored.spans !== run.load.spansAcked)
    checks.push(`stored ${run.stored.spans} != acked ${run.load.spansAcked}`);
  const views = viewProblems(run.stored);
  if (views) checks.push(`collector: ${views}`);
  const rawViews = viewProblems(raw.stored);
  if (rawViews) checks.push(`raw: ${rawViews}`);
  if (raw.stored.spans !== raw.rows) checks.push(`raw stored ${raw.stored.spans} != inserted ${raw.rows}`);
  if (run.spoolBytes > 0) checks.push(`${run.spoolBytes} bytes went to the spool`);
  if (run.exitCode !== 0) checks.push(`collector exited with ${run.exitCode}`);
  process.stdout.write(
    checks.length
      ? `CHECKS FAILED: ${checks.join('; ')}\n\n`
      : `checks: stored = acked, no duplicate spans, trace-id table, RED rollup and operations MVs saw every span (collector and raw)\n\n`,
  );
  process.stdout.write(
    `target stored >= ${f(TARGET.storedPerSec)} spans/s: ${f(storedPerSec)} -> ${verdict(storedPerSec >= TARGET.storedPerSec)}\n` +
      `target ratio >= ${TARGET.ratio}: ${f(ratio, 2)} -> ${verdict(ratio >= TARGET.ratio)}\n` +
      `target RSS <= ${TARGET.rssMb} MB: ${f(Math.max(run.rssMaxMb, run.rssPeakMb))} MB -> ${verdict(Math.max(run.rssMaxMb, run.rssPeakMb) <= TARGET.rssMb)}\n`,
  );
  if (quietBefore > 0.15 || run.cores.other > 0.3)
    process.stdout.write(
      'note: other work was using the machine; figures are likely low, rerun when quiet\n',
    );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '20' },
      concurrency: { type: 'string', default: '256' },
      payloads: { type: 'string', default: '200' },
    },
  });
  const seconds = Number(values.seconds);
  const concurrency = Number(values.concurrency);
  const payloadCount = Number(values.payloads);
  if (!(seconds > 0 && seconds <= 600))
    throw new Error(`--seconds must be in (0, 600], got ${values.seconds}`);
  if (!(Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= 4096))
    throw new Error(`--concurrency must be an integer in [1, 4096], got ${values.concurrency}`);
  if (!(Number.isInteger(payloadCount) && payloadCount >= 1 && payloadCount <= 10_000))
    throw new Error(`--payloads must be an integer in [1, 10000], got ${values.payloads}`);

  const dir = await mkdtemp(join(tmpdir(), 'meshscope-bench-collector-'));
  try {
    const payloads = buildPayloads({
      payloads: payloadCount,
      spansPerPayload: SPANS_PER_REQUEST,
      spreadSec: 300,
      nowNs: BigInt(Date.now()) * 1_000_000n,
    });
    const payloadFile = join(dir, 'payloads.bin');
    await writePayloadFile(payloadFile, payloads);
    const payloadBytes = payloads.reduce((s, p) => s + p.body.length, 0) / payloads.length;
    process.stdout.write(
      `bench:collector on ${cpus().length} CPU(s) (${cpus()[0]?.model ?? '?'}), Node ${process.version}\n` +
        `load: OTLP/HTTP protobuf, ${SPANS_PER_REQUEST} spans per request (${f(payloadBytes / 1024, 1)} KiB), ` +
        `${payloadCount} distinct payloads re-sent with new trace ids each round, ${concurrency} connections, ${seconds} s\n` +
        `stored = rows counted in otel_traces after the collector flushed and exited, / load duration\n` +
        `raw = the same rows decoded by the collector's decoder, inserted by its insertBatch into a fresh chDB ` +
        `with the same schema (projection, indexes, MVs) from one process; insert time only\n\n`,
    );
    const quietBefore = await waitForQuiet(0.15, 30_000);
    const run = await runCollector(dir, payloadFile, seconds, concurrency);
    const quietBeforeRaw = await waitForQuiet(0.15, 30_000);
    const batchRows = Number.isFinite(run.meanBatchRows) ? Math.round(run.meanBatchRows) : BATCH_ROWS;
    const raw = await runJson<RawSummary>(
      'collector/raw-insert.js',
      [join(dir, 'raw-data'), payloadFile, String(seconds), String(batchRows)],
      (seconds * 3 + 120) * 1000,
    );
    report(
      { seconds, concurrency, payloads: payloadCount, payloadBytes },
      quietBefore,
      quietBeforeRaw,
      run,
      raw,
    );
  } finally {
    for (const child of children) child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
