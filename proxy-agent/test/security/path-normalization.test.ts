import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentHandle } from '../../src/index.js';
import {
  normalizeTarget,
  PATH_NORMALIZATIONS,
  type PathNormalization,
} from '../../src/security/path-normalization.js';
import { agentWith, type Backend, request, startBackend } from '../helpers.js';

describe("normalizeTarget: Istio's default path normalization (BASE)", () => {
  it.each([
    // istio.io "Authorization Policy Normalization", BASE
    ['/some%2fdata/%61%62%63', '/some%2fdata/abc'], // unreserved decoded once, %2F kept
    ['/some\\data', '/some/data'],
    ['/public/./data/abc/../xyz', '/public/data/xyz'],
    ['/some//data///abc', '/some//data///abc'], // merging slashes is MERGE_SLASHES, not BASE
    ['/foo?v=1', '/foo?v=1'],
    // the query is kept as sent, dots and escapes included
    ['/a/../b?x=/../%61', '/b?x=/../%61'],
    // decoded before the dot segments are resolved, so an encoded .. climbs too
    ['/public/%2e%2e/admin', '/admin'],
    ['/%2E%2E/%2e%2E/etc', '/etc'],
    ['/public\\..\\admin', '/admin'],
    ['/%7E%7euser/%41%5A%30%39%2D%5F', '/~~user/AZ09-_'],
    ['/%3A%2525%zz', '/%3A%2525%zz'], // reserved or not an escape: unchanged
    ['/..', '/'],
    ['/a/..', '/'],
    ['/a/.', '/a/'],
    ['/.', '/'],
    ['/a/b/../../..', '/'],
    ['/admin#frag', '/admin'], // a fragment is never part of a request target
    ['/a?q#f', '/a?q'],
    ['http://app:8080/admin?q=1', '/admin?q=1'], // absolute-form becomes origin-form
    ['http://app', '/'],
    ['HTTPS://app?x', '/?x'],
    ['*', '*'],
    ['/plain/path?x=1', '/plain/path?x=1'],
  ])('%s → %s', (target, expected) => {
    expect(normalizeTarget(target)).toBe(expected);
  });

  it.each([['/a%00b'], ['/%00'], ['admin'], ['']])('refuses %j', (target) => {
    expect(normalizeTarget(target)).toBeUndefined();
  });
});

describe("normalizeTarget: Istio's other pathNormalization options", () => {
  // [target, NONE, BASE, MERGE_SLASHES, DECODE_AND_MERGE_SLASHES]
  const table: Array<[string, ...string[]]> = [
    // the istio.io examples of each option
    ['/a/../b', '/a/../b', '/b', '/b', '/b'],
    ['/\\da', '/\\da', '//da', '/da', '/da'],
    ['/a//b', '/a//b', '/a//b', '/a/b', '/a/b'],
    ['/a%2fb', '/a%2fb', '/a%2fb', '/a%2fb', '/a/b'],
    ['/a%5Cb', '/a%5Cb', '/a%5Cb', '/a%5Cb', '/a/b'], // a decoded backslash is a backslash, so a slash
    // decoded first, then BASE: an encoded slash around dots climbs only under DECODE_AND_MERGE_SLASHES
    ['/public/..%2fadmin', '/public/..%2fadmin', '/public/..%2fadmin', '/public/..%2fadmin', '/admin'],
    // merged after the dot segments (Envoy's order): /a//../b is /a/b, not /b
    ['/a//../b', '/a//../b', '/a/b', '/a/b', '/a/b'],
    ['//admin', '//admin', '//admin', '/admin', '/admin'],
    ['/%2F%2fadmin', '/%2F%2fadmin', '/%2F%2fadmin', '/%2F%2fadmin', '/admin'],
    // decoded once: %252F is %2F afterwards under every option, never a slash
    ['/a%252Fb', '/a%252Fb', '/a%252Fb', '/a%252Fb', '/a%252Fb'],
    // the query is never touched, the fragment always dropped, absolute-form always made origin-form
    ['http://app//x//y?a//b#f', '//x//y?a//b', '//x//y?a//b', '/x/y?a//b', '/x/y?a//b'],
  ];
  it.each(table)('%s', (target, ...expected) => {
    const got = PATH_NORMALIZATIONS.map((mode) => normalizeTarget(target, mode));
    expect(got).toEqual(expected);
  });

  it.each(PATH_NORMALIZATIONS)('%s refuses %%00 and what is not a request target', (mode) => {
    for (const t of ['/a%00b', '\\da', 'admin', '']) expect(normalizeTarget(t, mode)).toBeUndefined();
  });
});

describe('pathNormalization on a live inbound: the stricter options close what BASE leaves open', () => {
  const DENY_ADMIN = `---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: no-admin, namespace: default }
spec:
  action: DENY
  rules: [{ to: [{ operation: { paths: ["/admin", "/admin/*"] } }] }]
`;
  const PROBES = ['//admin', '/admin%2fusers', '/%2Fadmin', '/public/..%2fadmin', '/admin//x'];
  let app: Backend;
  const agents: Partial<Record<PathNormalization, AgentHandle>> = {};

  beforeAll(async () => {
    app = await startBackend('app');
    for (const mode of ['BASE', 'MERGE_SLASHES', 'DECODE_AND_MERGE_SLASHES'] as const)
      agents[mode] = (
        await agentWith(DENY_ADMIN, {
          identity: { workload: 'app-v1', app: 'app' },
          app: { port: app.port },
          pathNormalization: { normalization: mode },
        })
      ).agent;
  });
  afterAll(async () => {
    for (const a of Object.values(agents)) await a.close();
    await app.close();
  });

  const statuses = async (mode: PathNormalization) => {
    const out: Record<string, number> = {};
    for (const path of PROBES) out[path] = (await request(agents[mode]?.ports.inbound ?? 0, { path })).status;
    return out;
  };

  it("BASE (Istio's default) lets repeated and encoded slashes past a DENY on /admin, as Istio does", async () => {
    expect(await statuses('BASE')).toEqual({
      '//admin': 200,
      '/admin%2fusers': 200,
      '/%2Fadmin': 200,
      '/public/..%2fadmin': 200,
      '/admin//x': 403, // /admin/* matches /admin//x as it is
    });
  });

  it('MERGE_SLASHES refuses repeated slashes; encoded ones still pass', async () => {
    expect(await statuses('MERGE_SLASHES')).toEqual({
      '//admin': 403,
      '/admin%2fusers': 200,
      '/%2Fadmin': 200,
      '/public/..%2fadmin': 200,
      '/admin//x': 403,
    });
  });

  it('DECODE_AND_MERGE_SLASHES refuses them all, and the app gets the path the policy judged', async () => {
    expect(await statuses('DECODE_AND_MERGE_SLASHES')).toEqual({
      '//admin': 403,
      '/admin%2fusers': 403,
      '/%2Fadmin': 403,
      '/public/..%2fadmin': 403,
      '/admin//x': 403,
    });
    const hits = app.hits;
    const r = await request(agents.DECODE_AND_MERGE_SLASHES?.ports.inbound ?? 0, { path: '/a//b%2Fc?q=//x' });
    expect(r.status).toBe(200);
    expect(app.hits).toBe(hits + 1);
    expect(app.requests.at(-1)?.url).toBe('/a/b/c?q=//x');
  });
});
