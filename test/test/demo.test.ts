/**
 * The demo mesh of `meshscope start`: Bookinfo-like services behind real proxy agents with STRICT mTLS,
 * load, and an SDK-traced service, all sending to the all-in-one they run in. A user who starts it must
 * see the mesh in the topology (productpage → reviews over mTLS, the reviews versions of the canary split)
 * and the services in the list, and Ctrl-C must stop everything cleanly.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MESHSCOPE_MAIN, startMeshscopeProcess, type MeshscopeProcess } from '../src/index.js';

interface Topology {
  nodes: Array<{ service: string; version: string | null; inMesh: boolean }>;
  edges: Array<{ source: string; target: string; mtlsShare: number | null; via: string }>;
}

let dataDir: string;
let meshscope: MeshscopeProcess;
let ui = '';

/** Polls `f` every 500 ms until it returns something, at most `capMs`; the last value either way. */
async function until<T>(f: () => Promise<T | undefined>, capMs: number): Promise<T | undefined> {
  const deadline = Date.now() + capMs;
  for (;;) {
    const v = await f().catch(() => undefined);
    if (v !== undefined || Date.now() >= deadline) return v;
    await new Promise((r) => setTimeout(r, 500));
  }
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'meshscope-demo-'));
  let url: string | undefined;
  const started = await startMeshscopeProcess(
    'start',
    ['--data-dir', dataDir, '--otlp-http-port', '0', '--otlp-grpc-port', '0', '--query-port', '0'],
    (entry) => {
      // 'meshscope is running' names the URL; ready once the demo runs too, with traffic flowing
      if (typeof entry.ui === 'string') url = entry.ui;
      return entry.msg === 'demo mesh running' ? url : undefined;
    },
    60_000,
  );
  meshscope = started.process;
  ui = started.ready ?? '';
}, 70_000);

afterAll(async () => {
  await meshscope?.stop('SIGKILL');
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('meshscope start with the demo', () => {
  it('shows the mesh: productpage → reviews over mTLS, the reviews versions, every service', async () => {
    expect(ui).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const topology = await until(async () => {
      const res = await fetch(`${ui}/api/mesh/topology?graphType=versioned`);
      const graph = (await res.json()) as Topology;
      const versions = new Set(graph.nodes.filter((n) => n.service === 'reviews').map((n) => n.version));
      const toReviews = graph.edges.filter(
        (e) => e.source.includes('/productpage@') && e.target.includes('/reviews@'),
      );
      return versions.size === 3 && toReviews.length > 0 ? { graph, toReviews, versions } : undefined;
    }, 40_000);
    expect(topology, meshscope.output().slice(-3000)).toBeDefined();
    expect([...(topology?.versions ?? [])].sort()).toEqual(['v1', 'v2', 'v3']);
    for (const edge of topology?.toReviews ?? []) {
      expect(edge.via).toBe('mesh');
      expect(edge.mtlsShare).toBe(1);
    }

    const services = await until(async () => {
      const res = await fetch(`${ui}/api/services`);
      const { data } = (await res.json()) as { data: string[] };
      const want = ['details', 'orders', 'productpage', 'ratings', 'reviews'];
      return want.every((s) => data.includes(s)) ? data : undefined;
    }, 15_000);
    expect(services).toEqual(
      expect.arrayContaining(['details', 'orders', 'productpage', 'ratings', 'reviews']),
    );
  });

  it('installs the demo alert rule, and `demo fault on|off` rewrites the mesh file the agents watch', async () => {
    const rules = await fetch(`${ui}/api/mesh/alerts/rules`);
    expect(rules.status).toBe(200);
    expect(await rules.text()).toContain('DemoRatingsErrorRate');

    const mesh = join(dataDir, 'demo', 'mesh.yaml');
    const fault = (onOff: string) =>
      spawnSync(process.execPath, [MESHSCOPE_MAIN, 'demo', 'fault', onOff, '--data-dir', dataDir], {
        encoding: 'utf8',
      });
    const on = fault('on');
    expect(on.status, on.stderr).toBe(0);
    expect(await readFile(mesh, 'utf8')).toContain('abort: { httpStatus: 503, percentage: { value: 40 } }');
    const off = fault('off');
    expect(off.status, off.stderr).toBe(0);
    expect(await readFile(mesh, 'utf8')).toContain('abort: { httpStatus: 503, percentage: { value: 2 } }');
  });

  it('stops on Ctrl-C with exit code 0', async () => {
    const exit = await meshscope.stop('SIGINT', 30_000);
    expect(exit, meshscope.output().slice(-3000)).toEqual({ code: 0, signal: null });
  });
});
