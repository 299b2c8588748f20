/**
 * `meshscope start` (what `npm start` runs) as a user meets it: one process, embedded ClickHouse in a
 * data directory, OTLP in, the query API and the UI out on one port, API tokens from the environment, a
 * clean Ctrl-C, and a plain message when a second one is started on the same data.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { TracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildUi } from '../src/browser/build-ui.js';
import { MESHSCOPE_MAIN, startMeshscopeProcess, type MeshscopeProcess } from '../src/index.js';

interface Running {
  ui: string;
  otlpHttp: string;
}

const runningAt = (entry: Record<string, unknown>): Running | undefined =>
  typeof entry.ui === 'string' && typeof entry.otlpHttp === 'string'
    ? { ui: entry.ui, otlpHttp: entry.otlpHttp }
    : undefined;

let dataDir: string;
let uiDir: string;
let meshscope: MeshscopeProcess;
let urls: Running;
const PORTS = ['--otlp-http-port', '0', '--otlp-grpc-port', '0', '--query-port', '0'];
const READ = 'read-token-all-in-one-0123456789';
const ADMIN = 'admin-token-all-in-one-0123456789';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'meshscope-aio-'));
  uiDir = await buildUi();
  const started = await startMeshscopeProcess(
    'start',
    ['--data-dir', dataDir, '--ui-dir', uiDir, '--no-demo', ...PORTS],
    runningAt,
    60_000,
    { MESHSCOPE_API_TOKENS: READ, MESHSCOPE_ADMIN_TOKENS: ADMIN },
  );
  meshscope = started.process;
  urls = started.ready;
});

afterAll(async () => {
  await meshscope?.stop('SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
  await rm(uiDir, { recursive: true, force: true });
});

describe('meshscope start', () => {
  it('serves the dashboard and the API on one port', async () => {
    const page = await fetch(`${urls.ui}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
    const docs = await fetch(`${urls.ui}/api/docs/json`, { headers: bearer(READ) });
    expect(docs.status).toBe(200);
  });

  it('stores what an OpenTelemetry SDK sends and answers it through the Jaeger API', async () => {
    const provider = new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'checkout' }),
      spanProcessors: [
        new SimpleSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${urls.otlpHttp}/v1/traces` }) }),
      ],
    });
    const span = provider.getTracer('aio').startSpan('GET /cart', { attributes: { 'http.route': '/cart' } });
    const traceId = span.spanContext().traceId;
    span.end();
    await provider.forceFlush();
    await provider.shutdown();

    const res = await fetch(`${urls.ui}/api/traces/${traceId}`, { headers: bearer(READ) });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      data: {
        traceID: string;
        spans: { operationName: string }[];
        processes: Record<string, { serviceName: string }>;
      }[];
    };
    expect(body.data).toHaveLength(1);
    expect(body.data[0]?.traceID).toBe(traceId);
    expect(body.data[0]?.spans.map((s) => s.operationName)).toEqual(['GET /cart']);
    expect(Object.values(body.data[0]?.processes ?? {}).map((p) => p.serviceName)).toEqual(['checkout']);
    const services = await fetch(`${urls.ui}/api/services`, { headers: bearer(ADMIN) });
    expect(((await services.json()) as { data: string[] }).data).toEqual(['checkout']);
  });

  it('takes its API tokens from MESHSCOPE_API_TOKENS and MESHSCOPE_ADMIN_TOKENS', async () => {
    const anonymous = await fetch(`${urls.ui}/api/services`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ data: null, errors: [{ code: 401 }] });
    const wrong = await fetch(`${urls.ui}/api/mesh/services`, { headers: bearer('x'.repeat(32)) });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: { status: 401 } });
    // a write with a read token is refused before routing; an admin token gets past the check
    const write = await fetch(`${urls.ui}/api/mesh/alerts`, { method: 'POST', headers: bearer(READ) });
    expect(write.status).toBe(403);
    expect(await write.json()).toMatchObject({ error: { status: 403 } });
    const admin = await fetch(`${urls.ui}/api/mesh/alerts`, { method: 'POST', headers: bearer(ADMIN) });
    expect([401, 403]).not.toContain(admin.status);
    // operations endpoints and the UI's files stay open
    expect((await fetch(`${urls.ui}/readyz`)).status).toBe(200);
    expect((await fetch(`${urls.otlpHttp}/readyz`)).status).toBe(200);
  });

  it('refuses a second start on the same data directory, saying why', () => {
    const second = spawnSync(process.execPath, [MESHSCOPE_MAIN, 'start', '--data-dir', dataDir, ...PORTS], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(second.status).toBe(2);
    expect(second.stderr).toContain('another meshscope is using it');
  });

  it('drains and exits cleanly on Ctrl-C', async () => {
    const exit = await meshscope.stop('SIGINT');
    expect(exit).toEqual({ code: 0, signal: null });
    expect(meshscope.output()).toContain('every acknowledged row is in ClickHouse or the spool');
  });
});
