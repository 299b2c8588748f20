import { describe, expect, it } from 'vitest';
import { parseMeshConfig } from '../../src/index.js';
import type { HttpRoute } from '../../src/config/model.js';
import { pickDestination, type RequestView, rewritePath, selectRoute } from '../../src/routing/match.js';

function routes(http: string): HttpRoute[] {
  const r = parseMeshConfig(
    `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: { name: vs }\nspec:\n  hosts: [svc]\n  http:\n${http}`,
  );
  if (!r.ok) throw new Error(r.issues.map((i) => i.reason).join());
  return [...(r.config.virtualServices.get('svc.default.svc.cluster.local')?.routes ?? [])];
}

const req = (over: Partial<RequestView> = {}): RequestView => ({
  method: 'GET',
  path: '/',
  query: '',
  authority: 'svc',
  headers: {},
  port: 80,
  ...over,
});

describe('route selection (pure)', () => {
  const table = routes(`    - name: a
      match:
        - { uri: { exact: /exact }, headers: { x-a: { prefix: ab } } }
        - { authority: { regex: 'svc\\.(eu|us)' } }
      route: [{ destination: { host: a } }]
    - name: b
      match: [{ uri: { prefix: /Pre }, ignoreUriCase: true }]
      route: [{ destination: { host: b } }]
    - name: c
      match: [{ queryParams: { q: { regex: '[0-9]+' } }, method: { exact: DELETE } }]
      route: [{ destination: { host: c } }]
    - name: d
      match: [{ sourceLabels: { app: ratings } }]
      route: [{ destination: { host: d } }]
    - name: fallback
      route: [{ destination: { host: z } }]`);
  const name = (v: RequestView, labels: Record<string, string> = {}) =>
    selectRoute(table, v, labels)?.route.name;

  it('ANDs the conditions of one entry and ORs the entries', () => {
    expect(name(req({ path: '/exact', headers: { 'x-a': 'abc' } }))).toBe('a');
    expect(name(req({ path: '/exact' }))).toBe('fallback');
    expect(name(req({ authority: 'svc.eu' }))).toBe('a');
    expect(name(req({ authority: 'svc.eu.x' }))).toBe('fallback');
  });

  it('is case-sensitive unless ignoreUriCase', () => {
    expect(name(req({ path: '/pREfix' }))).toBe('b');
    expect(name(req({ path: '/exact'.toUpperCase(), headers: { 'x-a': 'abc' } }))).toBe('fallback');
  });

  it('matches query params with a full-match regex, and source labels', () => {
    expect(name(req({ method: 'DELETE', query: 'q=123' }))).toBe('c');
    expect(name(req({ method: 'DELETE', query: 'q=12a' }))).toBe('fallback');
    expect(name(req(), { app: 'ratings' })).toBe('d');
  });

  it('joins repeated headers with a comma, as Envoy does', () => {
    expect(name(req({ path: '/exact', headers: { 'x-a': ['ab1', 'x'] } }))).toBe('a');
  });

  it('returns undefined when nothing matches (404 NR)', () => {
    expect(
      selectRoute(
        routes(`    - match: [{ uri: { exact: /only } }]\n      route: [{ destination: { host: a } }]`),
        req(),
        {},
      ),
    ).toBeUndefined();
  });

  it('splits by weight / Σ weights for any integers', () => {
    const [split] = routes(
      `    - route: [{ destination: { host: a }, weight: 2 }, { destination: { host: b }, weight: 98 }]`,
    );
    if (!split) throw new Error('no route');
    let a = 0;
    for (let i = 0; i < 10_000; i++) if (pickDestination(split, i / 10_000).host.startsWith('a.')) a++;
    expect(a).toBe(200);
    expect(pickDestination(split, 0.999999).host).toBe('b.default.svc.cluster.local');
  });

  it('rewrites a matched prefix, else the whole path, keeping the query', () => {
    const [r] = routes(
      `    - match: [{ uri: { prefix: /v1/api } }]\n      route: [{ destination: { host: a } }]`,
    );
    expect(rewritePath('/v1/api/users', 'x=1', '/api', r?.matches[0])).toBe('/api/users?x=1');
    expect(rewritePath('/v1/api/users', '', '/other', undefined)).toBe('/other');
  });
});
