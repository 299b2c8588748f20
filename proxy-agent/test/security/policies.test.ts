import { describe, expect, it } from 'vitest';
import { formatIssue, parseMeshConfig } from '../../src/index.js';
import type { MeshConfig } from '../../src/config/model.js';
import { authorize, policiesFor } from '../../src/security/authorization.js';
import { resolvePeerMode } from '../../src/security/peer-authentication.js';

function mesh(yaml: string): MeshConfig {
  const r = parseMeshConfig(yaml, 'default');
  if (!r.ok) throw new Error(r.issues.map(formatIssue).join('\n'));
  return r.config;
}

function issues(yaml: string): string[] {
  const r = parseMeshConfig(yaml, 'default');
  return r.ok ? [] : r.issues.map(formatIssue);
}

const pa = (ns: string, name: string, body: string) =>
  `---\napiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: { name: ${name}, namespace: ${ns} }\nspec:\n${body}\n`;
const ap = (name: string, body: string, ns = 'default') =>
  `---\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: { name: ${name}, namespace: ${ns} }\nspec:\n${body}\n`;

const reviews = { namespace: 'default', labels: { app: 'reviews', version: 'v1' }, port: 9080 };

describe('PeerAuthentication precedence', () => {
  const mode = (yaml: string) => resolvePeerMode(mesh(yaml).peerAuthentications, reviews);

  it('defaults to PERMISSIVE; mesh-wide < namespace-wide < workload selector < port level', () => {
    expect(mode('')).toBe('PERMISSIVE');
    expect(mode(pa('istio-system', 'mesh', '  mtls: { mode: STRICT }'))).toBe('STRICT');
    expect(
      mode(
        pa('istio-system', 'mesh', '  mtls: { mode: STRICT }') +
          pa('default', 'ns', '  mtls: { mode: DISABLE }'),
      ),
    ).toBe('DISABLE');
    const workload = pa(
      'default',
      'w',
      '  selector: { matchLabels: { app: reviews } }\n  mtls: { mode: PERMISSIVE }\n  portLevelMtls: { "9080": { mode: STRICT } }',
    );
    expect(mode(pa('default', 'ns', '  mtls: { mode: DISABLE }') + workload)).toBe('STRICT');
    expect(resolvePeerMode(mesh(workload).peerAuthentications, { ...reviews, port: 8080 })).toBe(
      'PERMISSIVE',
    );
  });

  it('UNSET inherits, other namespaces and non-matching selectors do not apply', () => {
    expect(
      mode(
        pa('istio-system', 'mesh', '  mtls: { mode: STRICT }') +
          pa('default', 'ns', '  mtls: { mode: UNSET }'),
      ),
    ).toBe('STRICT');
    expect(mode(pa('other', 'ns', '  mtls: { mode: STRICT }'))).toBe('PERMISSIVE');
    expect(
      mode(pa('default', 'w', '  selector: { matchLabels: { app: ratings } }\n  mtls: { mode: STRICT }')),
    ).toBe('PERMISSIVE');
  });

  it('validation names resource, field and reason', () => {
    expect(issues(pa('default', 'p', '  portLevelMtls: { "80": { mode: STRICT } }'))).toEqual([
      'PeerAuthentication default/p: spec.portLevelMtls: portLevelMtls needs a selector (as in Istio)',
    ]);
    expect(
      issues(pa('default', 'a', '  mtls: { mode: STRICT }') + pa('default', 'b', '  mtls: { mode: STRICT }')),
    ).toEqual([
      'PeerAuthentication default/b: spec.selector: namespace default already has a namespace-wide PeerAuthentication (a)',
    ]);
    expect(issues(pa('default', 'c', '  mtls: { mode: SOMETIMES }'))[0]).toMatch(
      /^PeerAuthentication default\/c: spec.mtls.mode: /,
    );
  });
});

describe('AuthorizationPolicy evaluation', () => {
  const productpage = 'spiffe://cluster.local/ns/default/sa/productpage';
  const ratings = 'spiffe://cluster.local/ns/default/sa/ratings';
  const outsider = 'spiffe://cluster.local/ns/other/sa/client';
  const decide = (yaml: string, req: Partial<Parameters<typeof authorize>[1]>) =>
    authorize(policiesFor(mesh(yaml).authorizationPolicies, reviews), {
      principal: productpage,
      host: 'reviews.default.svc.cluster.local',
      port: 9080,
      method: 'GET',
      path: '/reviews/1',
      ...req,
    });

  it('no policy allows; an ALLOW policy without rules denies everything; rules: [{}] allows everything', () => {
    expect(decide('', {}).allowed).toBe(true);
    expect(decide(ap('nothing', '  {}'), {}).allowed).toBe(false);
    expect(decide(ap('all', '  rules: [{}]'), {}).allowed).toBe(true);
    expect(decide(ap('d', '  action: DENY'), {}).allowed).toBe(true);
  });

  it('matches exact, prefix, suffix and presence, on principals, namespaces, methods, paths, hosts, ports', () => {
    const allow = ap(
      'reviews-readers',
      `  selector: { matchLabels: { app: reviews } }
  action: ALLOW
  rules:
    - from: [{ source: { principals: ["cluster.local/ns/default/sa/productpage"] } }]
      to: [{ operation: { methods: [GET, HEAD], paths: ["/reviews/*"] } }]
    - from: [{ source: { namespaces: ["*"] } }]
      to: [{ operation: { paths: ["*/health"], ports: ["9080"] } }]
    - to: [{ operation: { hosts: ["*.internal"], notMethods: [DELETE] } }]`,
    );
    const table: Array<[Partial<Parameters<typeof authorize>[1]>, boolean]> = [
      [{}, true],
      [{ method: 'HEAD' }, true],
      [{ method: 'POST' }, false],
      [{ path: '/ratings/1' }, false],
      [{ principal: ratings }, false],
      [{ principal: ratings, path: '/v1/health' }, true],
      [{ principal: ratings, path: '/v1/health', port: 9090 }, false],
      // presence needs an identity: plaintext has none
      [{ principal: '', path: '/v1/health' }, false],
      [{ principal: '', host: 'API.Internal' }, true],
      [{ principal: '', host: 'api.internal:9080' }, true],
      [{ principal: '', host: 'api.internal', method: 'DELETE' }, false],
    ];
    for (const [req, allowed] of table)
      expect({ req, allowed: decide(allow, req).allowed }).toEqual({ req, allowed });
  });

  it('DENY wins over ALLOW; AUDIT marks without deciding; not* fields invert', () => {
    const yaml =
      ap('allow-all', '  rules: [{}]') +
      ap('no-outsiders', `  action: DENY\n  rules: [{ from: [{ source: { notNamespaces: [default] } }] }]`) +
      ap('no-deletes', `  action: DENY\n  rules: [{ to: [{ operation: { methods: [DELETE] } }] }]`) +
      ap('audit-writes', `  action: AUDIT\n  rules: [{ to: [{ operation: { methods: ["P*"] } }] }]`) +
      ap(
        'mesh-deny-plaintext',
        `  action: DENY\n  rules: [{ from: [{ source: { notPrincipals: ["*"] } }] }]`,
        'istio-system',
      );
    expect(decide(yaml, {})).toEqual({ allowed: true, policy: 'default/allow-all', audited: [] });
    expect(decide(yaml, { method: 'DELETE' })).toMatchObject({
      allowed: false,
      policy: 'default/no-deletes',
    });
    expect(decide(yaml, { principal: outsider })).toMatchObject({
      allowed: false,
      policy: 'default/no-outsiders',
    });
    expect(decide(yaml, { method: 'POST' })).toEqual({
      allowed: true,
      policy: 'default/allow-all',
      audited: ['default/audit-writes'],
    });
    // plaintext has neither principal nor namespace: both DENY policies match it
    expect(decide(yaml, { principal: '' }).allowed).toBe(false);
  });

  it('refuses what it does not implement, naming the field', () => {
    expect(issues(ap('c', '  action: CUSTOM'))).toEqual([
      'AuthorizationPolicy default/c: spec.action: CUSTOM (external authorization) is not supported',
    ]);
    expect(
      issues(ap('w', '  rules: [{ when: [{ key: "request.auth.claims[iss]", values: [x] }] }]')),
    ).toEqual([
      'AuthorizationPolicy default/w: spec.rules[0].when: field not supported by the meshscope agent (unknown: when)',
    ]);
    expect(issues(ap('e', '  rules: [{ from: [{ source: {} }] }]'))).toEqual([
      'AuthorizationPolicy default/e: spec.rules[0].from[0].source: a source needs at least one field',
    ]);
    expect(issues(ap('p', '  rules: [{ to: [{ operation: { ports: ["http"] } }] }]'))).toEqual([
      'AuthorizationPolicy default/p: spec.rules[0].to[0].operation.ports[0]: ports are numbers written as strings',
    ]);
  });
});
