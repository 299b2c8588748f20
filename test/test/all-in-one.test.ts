/**
 * `meshscope start` (what `npm start` runs) as a user meets it: one process, embedded ClickHouse in a
 * data directory, OTLP in, the query API and the UI out on one port, a clean Ctrl-C, and a plain message
 * when a second one is started on the same data.
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

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'meshscope-aio-'));
  uiDir = await buildUi();
  const started = await startMeshscopeProcess(
    'start',
    ['--data-dir', dataDir, '--ui-dir', uiDir, '--no-demo', ...PORTS],
    runningAt,
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
    const docs = await fetch(`${urls.ui}/api/docs/json`);
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

    const res = await fetch(`${urls.ui}/api/traces/${traceId}`);
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
    const services = (await (await fetch(`${urls.ui}/api/services`)).json()) as { data: string[] };
    expect(services.data).toContain('checkout');
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
