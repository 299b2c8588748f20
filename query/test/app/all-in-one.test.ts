import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { SpanKind } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { jaegerEnvelopeSchema, jaegerTraceSchema } from '../../src/jaeger/model.js';

/**
 * The all-in-one as `npm start` runs it (the built `meshscope start`, one process, embedded ClickHouse in
 * --data-dir): spans exported over OTLP/HTTP come back from the Jaeger API on the same process, behind
 * the API tokens given in the environment. Ports are 0 (any free one); the process logs where it listens.
 */

const CLI = fileURLToPath(new URL('../../../cli/dist/main.js', import.meta.url));
const READ = 'read-token-all-in-one-0123456789';
const ADMIN = 'admin-token-all-in-one-0123456789';

let dir: string;
let child: ChildProcess;
let exited: Promise<number | null>;
let urls: { ui: string; otlpHttp: string };
const stderr: string[] = [];

const logLine = z.object({ msg: z.string(), ui: z.string().optional(), otlpHttp: z.string().optional() });

function parseJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

/** The log line that says where meshscope listens, or the reason it never started. */
function whenRunning(proc: ChildProcess): Promise<{ ui: string; otlpHttp: string }> {
  return new Promise((resolve, reject) => {
    if (!proc.stdout) return reject(new Error('no stdout'));
    const lines = createInterface({ input: proc.stdout });
    lines.on('line', (line) => {
      const entry = logLine.safeParse(parseJson(line));
      if (entry.success && entry.data.msg.startsWith('meshscope is running')) {
        const { ui, otlpHttp } = entry.data;
        if (ui && otlpHttp) resolve({ ui, otlpHttp });
      }
    });
    proc.once('exit', (code) => reject(new Error(`meshscope start exited (${code}): ${stderr.join('')}`)));
  });
}

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npx tsc -b)`);
  dir = await mkdtemp(join(tmpdir(), 'meshscope-all-in-one-'));
  // Embedded storage whatever the test environment says: this is what `npm start` runs.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('CLICKHOUSE_') && !k.startsWith('MESHSCOPE_')),
  );
  child = spawn(
    process.execPath,
    [
      CLI,
      'start',
      '--data-dir',
      dir,
      '--no-demo',
      '--otlp-http-port',
      '0',
      '--otlp-grpc-port',
      '0',
      '--query-port',
      '0',
      '--batch-flush-ms',
      '50',
    ],
    {
      env: { ...env, MESHSCOPE_API_TOKENS: READ, MESHSCOPE_ADMIN_TOKENS: ADMIN },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  urls = await whenRunning(child);
});

afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGKILL');
    await exited;
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** One trace recorded by the OpenTelemetry SDK, as an OTLP/protobuf export request body. */
async function sdkTrace(): Promise<{ traceId: string; body: Uint8Array }> {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'checkout' }),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer('all-in-one-test');
  const root = tracer.startSpan('POST /checkout', { kind: SpanKind.SERVER });
  const traceId = root.spanContext().traceId;
  root.end();
  await provider.forceFlush();
  const body = ProtobufTraceSerializer.serializeRequest(exporter.getFinishedSpans());
  await provider.shutdown();
  if (!body) throw new Error('the SDK serialiser produced nothing');
  return { traceId, body };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const tracesEnvelope = jaegerEnvelopeSchema(z.array(jaegerTraceSchema));
const servicesEnvelope = jaegerEnvelopeSchema(z.array(z.string()));

describe('npm start: collector and query service in one process', () => {
  it('answers from the Jaeger API what was exported over OTLP/HTTP', async () => {
    const { traceId, body } = await sdkTrace();
    const sent = await fetch(`${urls.otlpHttp}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body,
    });
    expect(sent.status).toBe(200);
    // 200 means written or spooled; the batch reaches ClickHouse within a flush interval. Bounded poll.
    let res: Response | undefined;
    for (let i = 0; i < 100; i++) {
      res = await fetch(`${urls.ui}/api/traces/${traceId}`, { headers: bearer(READ) });
      if (res.status !== 404) break;
      await delay(100);
    }
    expect(res?.status).toBe(200);
    const envelope = tracesEnvelope.parse(await res?.json());
    const [trace] = envelope.data ?? [];
    expect(trace?.traceID).toBe(traceId);
    expect(trace?.spans.map((s) => s.operationName)).toEqual(['POST /checkout']);
    expect(trace?.processes.p1?.serviceName).toBe('checkout');
  });

  it('takes its API tokens from MESHSCOPE_API_TOKENS and MESHSCOPE_ADMIN_TOKENS', async () => {
    const anonymous = await fetch(`${urls.ui}/api/services`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ data: null, errors: [{ code: 401 }] });
    const wrong = await fetch(`${urls.ui}/api/mesh/services`, { headers: bearer('x'.repeat(32)) });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: { status: 401 } });
    for (const token of [READ, ADMIN]) {
      const res = await fetch(`${urls.ui}/api/services`, { headers: bearer(token) });
      expect(res.status).toBe(200);
      expect(servicesEnvelope.parse(await res.json()).data).toEqual(['checkout']);
    }
    // a write with a read token is refused before routing; an admin token gets past the check
    const write = await fetch(`${urls.ui}/api/mesh/alerts`, { method: 'POST', headers: bearer(READ) });
    expect(write.status).toBe(403);
    expect(await write.json()).toMatchObject({ error: { status: 403 } });
    const admin = await fetch(`${urls.ui}/api/mesh/alerts`, { method: 'POST', headers: bearer(ADMIN) });
    expect(admin.status).not.toBe(401);
    expect(admin.status).not.toBe(403);
    // operations endpoints stay open
    expect((await fetch(`${urls.ui}/readyz`)).status).toBe(200);
    expect((await fetch(`${urls.otlpHttp}/readyz`)).status).toBe(200);
  });

  it('drains and exits 0 on SIGINT', async () => {
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });
});
