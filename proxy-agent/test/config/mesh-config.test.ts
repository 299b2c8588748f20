import { describe, expect, it } from 'vitest';
import { formatIssue, parseMeshConfig, validate } from '../../src/index.js';
import { RetryOn } from '../../src/config/model.js';
import { tempDir, writeFile } from '../helpers.js';

const vs = (http: string, hosts = '[reviews]') => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: shop }
spec:
  hosts: ${hosts}
  http:
${http}`;

function issues(yaml: string): string[] {
  const r = parseMeshConfig(yaml);
  return r.ok ? [] : r.issues.map(formatIssue);
}

describe('mesh config validation', () => {
  it('accepts a documented Istio config and compiles it', () => {
    const r = parseMeshConfig(`${vs(`    - name: split
      match: [{ uri: { prefix: /api }, ignoreUriCase: true }]
      timeout: 1.5s
      retries: { attempts: 3, perTryTimeout: 200ms, retryOn: '5xx,reset,503,retriable-4xx' }
      fault: { delay: { fixedDelay: 5s } }
      route:
        - { destination: { host: reviews, subset: v1 }, weight: 2 }
        - { destination: { host: reviews, subset: v2 }, weight: 98 }`)}
---
apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata: { name: reviews, namespace: shop }
spec:
  host: reviews
  trafficPolicy:
    outlierDetection: { consecutive5xxErrors: 7 }
    connectionPool: { tcp: { maxConnections: 10 } }
  subsets:
    - { name: v1, labels: { version: v1 } }
    - { name: v2, labels: { version: v2 }, trafficPolicy: { loadBalancer: { simple: ROUND_ROBIN } } }
`);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const route = r.config.virtualServices.get('reviews.shop.svc.cluster.local')?.routes[0];
    expect(route?.timeoutMs).toBe(1500);
    expect(route?.totalWeight).toBe(100);
    expect(route?.retries?.perTryTimeoutMs).toBe(200);
    expect(route?.retries?.statusCodes.has(503)).toBe(true);
    expect((route?.retries?.retryOn ?? 0) & RetryOn.retriable4xx).toBeTruthy();
    // A fault without percentage injects nothing (Istio semantics).
    expect(route?.fault?.delay?.percent).toBe(0);
    const dr = r.config.destinationRules.get('reviews.shop.svc.cluster.local');
    // Subset policy replaces the top-level field it sets and inherits the others.
    expect(dr?.subsets.get('v2')?.policy.loadBalancer.kind).toBe('ROUND_ROBIN');
    expect(dr?.subsets.get('v2')?.policy.outlier?.consecutive5xx).toBe(7);
    expect(dr?.subsets.get('v2')?.policy.pool.maxConnections).toBe(10);
    expect(dr?.policy.loadBalancer.kind).toBe('LEAST_REQUEST');
    expect(dr?.policy.outlier).toMatchObject({
      intervalMs: 10_000,
      baseEjectionMs: 30_000,
      maxEjectionPercent: 10,
      minHealthPercent: 0,
    });
  });

  it('names resource, field and reason for a bad value', () => {
    expect(issues(vs(`    - route: [{ destination: { host: reviews }, weight: -1 }]`))).toEqual([
      expect.stringMatching(/^VirtualService shop\/reviews: spec\.http\[0\]\.route\[0\]\.weight: .+/),
    ]);
  });

  it('rejects unknown fields, unknown kinds, bad durations, bad retryOn and non-RE2 regexes', () => {
    expect(issues(vs(`    - route: [{ destination: { host: reviews } }]\n      corsPolicy: {}`))[0]).toMatch(
      /spec\.http\[0\]\.corsPolicy: field not supported/,
    );
    expect(issues('apiVersion: v1\nkind: Gateway\nmetadata: { name: g }\nspec: {}')[0]).toMatch(
      /^Gateway default\/g: kind: kind Gateway is not supported/,
    );
    expect(issues(vs(`    - timeout: soon\n      route: [{ destination: { host: reviews } }]`))[0]).toMatch(
      /spec\.http\[0\]\.timeout: "soon" is not a duration/,
    );
    expect(
      issues(
        vs(
          `    - retries: { attempts: 2, retryOn: '5xx,sometimes' }\n      route: [{ destination: { host: reviews } }]`,
        ),
      )[0],
    ).toMatch(/spec\.http\[0\]\.retries\.retryOn: unknown retryOn value "sometimes"/);
    expect(
      issues(
        vs(`    - match: [{ uri: { regex: '(?=x)y' } }]\n      route: [{ destination: { host: reviews } }]`),
      )[0],
    ).toMatch(/uri\.regex: look-around/);
    expect(
      issues(
        vs(
          `    - match: [{ uri: { exact: /a, prefix: /b } }]\n      route: [{ destination: { host: reviews } }]`,
        ),
      )[0],
    ).toMatch(/at most one of exact, prefix, regex/);
  });

  it('rejects weights adding up to 0 and subsets no DestinationRule defines', () => {
    expect(
      issues(
        vs(`    - route: [{ destination: { host: a }, weight: 0 }, { destination: { host: b }, weight: 0 }]`),
      )[0],
    ).toMatch(/weights add up to 0/);
    expect(issues(vs(`    - route: [{ destination: { host: reviews, subset: v9 } }]`))[0]).toMatch(
      /spec\.http\[0\]\.route\[0\]\.destination\.subset: no DestinationRule for reviews\.shop\.svc\.cluster\.local defines subset "v9"/,
    );
  });

  it('reports every problem of every document, with YAML errors and duplicates', () => {
    const yaml = `${vs(`    - route: [{ destination: { host: reviews }, weight: -1 }]`)}\n---\n${vs(`    - route: [{ destination: { host: reviews } }]`)}\n---\nkind: [\n`;
    const all = issues(yaml);
    expect(all.some((l) => l.includes('weight'))).toBe(true);
    expect(all.some((l) => l.includes('defined twice'))).toBe(true);
    expect(all.some((l) => l.startsWith('document 3: (resource): YAML'))).toBe(true);
  });

  it('reports an alias to no anchor, and an alias bomb, as YAML issues instead of throwing', () => {
    // found by fuzzing: yaml resolves aliases when converting, and throws there
    expect(issues(vs('    - route: [{ destination: { host: *nowhere } }]'))).toEqual([
      'document 1: (resource): YAML: Unresolved alias (the anchor must be set before the alias): nowhere',
    ]);
    const tens = (name: string, item: string) => `${name}: &${name} [${new Array(10).fill(item).join(', ')}]`;
    const bomb = [tens('a', 'x'), tens('b', '*a'), tens('c', '*b'), tens('d', '*c')].join('\n');
    const bombIssues = issues(`${bomb}\n`);
    expect(bombIssues).toHaveLength(1);
    expect(bombIssues[0]).toMatch(/^document 1: \(resource\): YAML: Excessive alias count/);
  });

  it('validate(FILE) prints the same lines and says not ok', async () => {
    const dir = tempDir();
    const bad = writeFile(
      dir,
      'bad.yaml',
      vs(`    - route: [{ destination: { host: reviews }, weight: -1 }]`),
    );
    const good = writeFile(dir, 'good.yaml', vs(`    - route: [{ destination: { host: reviews } }]`));
    expect(await validate(bad)).toEqual({
      ok: false,
      lines: [expect.stringMatching(/^VirtualService shop\/reviews: spec\.http\[0\]\.route\[0\]\.weight: /)],
    });
    expect(await validate(good)).toEqual({ ok: true, lines: [] });
    expect((await validate(`${dir}/missing.yaml`)).lines[0]).toMatch(/cannot read/);
  });

  it('accepts LocalRateLimit with exactly one target', () => {
    const rl = (target: string) =>
      `apiVersion: meshscope.io/v1alpha1\nkind: LocalRateLimit\nmetadata: { name: rl }\nspec:\n  ${target}\n  tokenBucket: { maxTokens: 10, fillInterval: 1s }\n`;
    expect(issues(rl('host: reviews'))).toEqual([]);
    expect(issues(rl('inbound: true'))).toEqual([]);
    expect(issues(`${rl('host: reviews')}`.replace('host: reviews', 'host: reviews\n  route: r'))[0]).toMatch(
      /exactly one target/,
    );
  });
});

/** Every kind and most fields the agent reads, valid: what the mutation test below starts from. */
const RICH = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: reviews, namespace: default }
spec:
  hosts: [reviews.default.svc.cluster.local]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{ number: 80, name: http, protocol: HTTP }]
  endpoints:
    - address: 127.0.0.1
      ports: { http: 9080 }
      labels: { app: reviews, version: v1 }
    - address: 127.0.0.2
      ports: { http: 9080 }
      labels: { app: reviews, version: v2 }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews }
spec:
  hosts: [reviews]
  http:
    - name: canary
      match:
        - headers: { end-user: { exact: jason }, x-a: {} }
          uri: { prefix: /api }
          queryParams: { q: { regex: "a.*" } }
          method: { exact: GET }
          authority: { regex: "rev.*" }
      fault: { delay: { fixedDelay: 1s, percentage: { value: 10 } }, abort: { httpStatus: 503, percentage: { value: 5 } } }
      retries: { attempts: 3, perTryTimeout: 2s, retryOn: "5xx,reset,retriable-status-codes,503" }
      timeout: 10s
      mirror: { host: reviews, subset: v2 }
      mirrorPercentage: { value: 50 }
      rewrite: { uri: /v2, authority: reviews-v2 }
      headers: { request: { set: { x-a: b }, add: { x-c: d }, remove: [x-e] }, response: { set: { x-f: g } } }
      route:
        - destination: { host: reviews, subset: v1, port: { number: 80 } }
          weight: 95
        - destination: { host: reviews, subset: v2 }
          weight: 5
    - route: [{ destination: { host: reviews } }]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews }
spec:
  host: reviews
  trafficPolicy:
    loadBalancer: { consistentHash: { httpCookie: { name: u, ttl: 10s } } }
    connectionPool: { tcp: { maxConnections: 10, connectTimeout: 1s }, http: { http1MaxPendingRequests: 5, http2MaxRequests: 20, maxRequestsPerConnection: 3, maxRetries: 2, idleTimeout: 30s } }
    outlierDetection: { consecutive5xxErrors: 3, consecutiveGatewayErrors: 2, interval: 1s, baseEjectionTime: 5s, maxEjectionPercent: 50, minHealthPercent: 10 }
  subsets:
    - name: v1
      labels: { version: v1 }
      trafficPolicy: { loadBalancer: { simple: ROUND_ROBIN } }
    - name: v2
      labels: { version: v2 }
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: reviews-pa, namespace: default }
spec: { selector: { matchLabels: { app: reviews } }, mtls: { mode: STRICT }, portLevelMtls: { "9080": { mode: PERMISSIVE } } }
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: a, namespace: default }
spec:
  selector: { matchLabels: { app: reviews } }
  action: DENY
  rules: [{ from: [{ source: { principals: ["cluster.local/ns/default/sa/x*"], namespaces: [a] } }], to: [{ operation: { methods: [POST], paths: ["/admin*"], ports: ["9080"] } }] }]
---
apiVersion: meshscope.io/v1alpha1
kind: LocalRateLimit
metadata: { name: rl }
spec: { host: reviews, tokenBucket: { maxTokens: 10, tokensPerFill: 5, fillInterval: 1s } }
`;

describe('mesh config under mutation', () => {
  it('gives issues, never an exception, for 2,000 mutated copies of a rich valid file', () => {
    expect(issues(RICH)).toEqual([]);
    // a fixed-seed LCG: the same files on every run
    let seed = 1;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const pick = <T>(a: readonly T[]): T => a[Math.floor(rand() * a.length)] as T;
    const junk = [
      '-1',
      '0',
      '1e309',
      'null',
      '~',
      '[]',
      '{}',
      '"',
      "'",
      ':',
      '- ',
      '  ',
      '*a',
      '&a ',
      '!!binary ',
      '9999999999999999999999',
      'NaN',
      '.inf',
      'true',
      '1h30m',
      '-5s',
      '(',
      '[a-',
      'x'.repeat(300),
      '%',
      '---\n',
      '<<: *a',
      '0x1F',
    ];
    const lines = RICH.split('\n');
    let refused = 0;
    for (let i = 0; i < 2000; i++) {
      const l = [...lines];
      for (let k = 1 + Math.floor(rand() * 3); k > 0; k--) {
        const at = Math.floor(rand() * l.length);
        const line = l[at] ?? '';
        const c = line.lastIndexOf(': ');
        const op = Math.floor(rand() * 4);
        if (op === 0 && c >= 0) l[at] = line.slice(0, c + 2) + pick(junk);
        else if (op === 1) l.splice(at, 1);
        else if (op === 2) l.splice(at, 0, pick(lines));
        else {
          const p = Math.floor(rand() * (line.length + 1));
          l[at] = line.slice(0, p) + pick(junk) + line.slice(p);
        }
      }
      const r = parseMeshConfig(l.join('\n'));
      if (!r.ok) {
        refused++;
        for (const issue of r.issues) expect(issue.reason).not.toBe('');
      }
    }
    // most mutations break something; none may throw (the loop would have stopped)
    expect(refused).toBeGreaterThan(1000);
  });
});
