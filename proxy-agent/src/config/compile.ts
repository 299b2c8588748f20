/** Turns validated resources into the compiled model, checking the rules that span fields and resources. */
import { compileAuthorizationPolicy, compilePeerAuthentication } from './compile-security.js';
import type { ConfigIssue } from './issues.js';
import {
  type AuthorizationPolicyModel,
  type DestinationRuleModel,
  type PeerAuthenticationModel,
  type HeaderOps,
  type HttpRoute,
  type LoadBalancerPolicy,
  type RateLimitModel,
  type RetryPolicy,
  RetryOn,
  type RouteMatch,
  type ServiceModel,
  type StringMatcher,
  type TrafficPolicy,
  type VirtualServiceModel,
} from './model.js';
import type {
  DestinationRuleSpec,
  HeadersSpec,
  HttpRouteSpec,
  MeshResource,
  StringMatchSpec,
  TrafficPolicySpec,
} from './resources.js';
import type { MeshConfigResult } from './mesh-config.js';

const UNLIMITED = 4_294_967_295; // Istio's default for connection-pool limits (2^32 - 1)

/** Istio expands a short host (no dot) relative to the namespace of the resource that names it. */
export function expandHost(host: string, namespace: string): string {
  return host.includes('.') || host === '*' ? host : `${host}.${namespace}.svc.cluster.local`;
}

class Issues {
  readonly list: ConfigIssue[] = [];
  constructor(private readonly resource: string) {}
  add(field: string, reason: string): void {
    this.list.push({ resource: this.resource, field, reason });
  }
}

// RE2 (what Envoy uses) has no look-around and no back-references; refusing them keeps our matching
// identical to Istio's instead of silently accepting patterns Envoy would reject.
const NOT_RE2 = /\(\?<?[=!]|\\[1-9]|\\k</;

function compileStringMatch(
  spec: StringMatchSpec,
  field: string,
  issues: Issues,
  lower = false,
): StringMatcher {
  if (spec.exact !== undefined)
    return { kind: 'exact', value: lower ? spec.exact.toLowerCase() : spec.exact };
  if (spec.prefix !== undefined)
    return { kind: 'prefix', value: lower ? spec.prefix.toLowerCase() : spec.prefix };
  if (spec.regex !== undefined) {
    if (NOT_RE2.test(spec.regex)) {
      issues.add(`${field}.regex`, 'look-around and back-references are not RE2 syntax');
      return { kind: 'present' };
    }
    try {
      return { kind: 'regex', value: spec.regex, re: new RegExp(`^(?:${spec.regex})$`, lower ? 'i' : '') };
    } catch (e) {
      issues.add(`${field}.regex`, `invalid regular expression: ${(e as Error).message}`);
      return { kind: 'present' };
    }
  }
  return { kind: 'present' };
}

function compileMatchMap(
  map: Readonly<Record<string, StringMatchSpec>> | undefined,
  field: string,
  issues: Issues,
  lowerKeys: boolean,
): Array<readonly [string, StringMatcher]> {
  if (!map) return [];
  return Object.entries(map).map(([name, m]) => {
    const key = lowerKeys ? name.toLowerCase() : name;
    return [key, compileStringMatch(m, `${field}.${name}`, issues)] as const;
  });
}

function compileHeaders(spec: HeadersSpec | undefined): HeaderOps | undefined {
  if (!spec) return undefined;
  const pairs = (r: Readonly<Record<string, string>> | undefined) =>
    Object.entries(r ?? {}).map(([k, v]) => [k.toLowerCase(), v] as const);
  return {
    requestSet: pairs(spec.request?.set),
    requestAdd: pairs(spec.request?.add),
    requestRemove: (spec.request?.remove ?? []).map((h) => h.toLowerCase()),
    responseSet: pairs(spec.response?.set),
    responseAdd: pairs(spec.response?.add),
    responseRemove: (spec.response?.remove ?? []).map((h) => h.toLowerCase()),
  };
}

const RETRY_ON_NAMES: Readonly<Record<string, number>> = {
  '5xx': RetryOn.fiveXx,
  'gateway-error': RetryOn.gatewayError,
  reset: RetryOn.reset,
  'connect-failure': RetryOn.connectFailure,
  'refused-stream': RetryOn.refusedStream,
  'retriable-4xx': RetryOn.retriable4xx,
  'retriable-status-codes': RetryOn.retriableStatusCodes,
  cancelled: RetryOn.grpcCancelled,
  'deadline-exceeded': RetryOn.grpcDeadlineExceeded,
  internal: RetryOn.grpcInternal,
  'resource-exhausted': RetryOn.grpcResourceExhausted,
  unavailable: RetryOn.grpcUnavailable,
};

/** Istio 1.24's mesh default: 2 attempts on connection-level failures only (never a reply from the app). */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  attempts: 2,
  retryOn: RetryOn.connectFailure | RetryOn.refusedStream | RetryOn.grpcUnavailable | RetryOn.grpcCancelled,
  statusCodes: new Set(),
  explicit: false,
};

export function parseRetryOn(
  text: string,
  field: string,
  issues: { add(field: string, reason: string): void } | undefined,
): { bits: number; codes: Set<number> } {
  let bits = 0;
  const codes = new Set<number>();
  for (const raw of text.split(',')) {
    const token = raw.trim();
    if (!token) continue;
    if (/^\d{3}$/.test(token)) {
      codes.add(Number(token));
      bits |= RetryOn.retriableStatusCodes;
      continue;
    }
    const bit = RETRY_ON_NAMES[token];
    if (bit === undefined) issues?.add(field, `unknown retryOn value "${token}"`);
    else bits |= bit;
  }
  return { bits, codes };
}

function compileRoute(spec: HttpRouteSpec, field: string, ns: string, issues: Issues): HttpRoute {
  const matches: RouteMatch[] = (spec.match ?? []).map((m, i) => {
    const f = `${field}.match[${i}]`;
    const lower = m.ignoreUriCase === true;
    return {
      uri: m.uri ? compileStringMatch(m.uri, `${f}.uri`, issues, lower) : undefined,
      method: m.method ? compileStringMatch(m.method, `${f}.method`, issues) : undefined,
      authority: m.authority ? compileStringMatch(m.authority, `${f}.authority`, issues) : undefined,
      headers: compileMatchMap(m.headers, `${f}.headers`, issues, true),
      withoutHeaders: compileMatchMap(m.withoutHeaders, `${f}.withoutHeaders`, issues, true),
      queryParams: compileMatchMap(m.queryParams, `${f}.queryParams`, issues, false),
      ignoreUriCase: lower,
      port: m.port,
      sourceLabels: m.sourceLabels,
    };
  });
  const single = spec.route.length === 1;
  const destinations = spec.route.map((r) => ({
    host: expandHost(r.destination.host, ns),
    subset: r.destination.subset,
    port: r.destination.port?.number,
    // Istio: a lone destination takes all traffic; among several, an unset weight is 0.
    weight: single ? (r.weight ?? 100) || 100 : (r.weight ?? 0),
    headers: compileHeaders(r.headers),
  }));
  const totalWeight = destinations.reduce((s, d) => s + d.weight, 0);
  if (totalWeight <= 0)
    issues.add(`${field}.route`, 'the weights add up to 0: no destination would get traffic');

  let retries: RetryPolicy | undefined;
  if (spec.retries) {
    const { bits, codes } = spec.retries.retryOn
      ? parseRetryOn(spec.retries.retryOn, `${field}.retries.retryOn`, issues)
      : {
          bits:
            RetryOn.connectFailure | RetryOn.refusedStream | RetryOn.grpcUnavailable | RetryOn.grpcCancelled,
          codes: new Set<number>(),
        };
    retries = {
      attempts: spec.retries.attempts,
      perTryTimeoutMs: spec.retries.perTryTimeout,
      retryOn: bits,
      statusCodes: codes,
      explicit: spec.retries.retryOn !== undefined,
    };
  }
  const fault = spec.fault
    ? {
        // Istio: a fault without percentage injects nothing.
        delay: spec.fault.delay
          ? { ms: spec.fault.delay.fixedDelay, percent: spec.fault.delay.percentage?.value ?? 0 }
          : undefined,
        abort: spec.fault.abort
          ? { status: spec.fault.abort.httpStatus, percent: spec.fault.abort.percentage?.value ?? 0 }
          : undefined,
      }
    : undefined;
  return {
    name: spec.name,
    matches,
    destinations,
    totalWeight,
    timeoutMs: spec.timeout && spec.timeout > 0 ? spec.timeout : undefined,
    retries,
    fault,
    mirror: spec.mirror
      ? {
          host: expandHost(spec.mirror.host, ns),
          subset: spec.mirror.subset,
          port: spec.mirror.port?.number,
          percent: spec.mirrorPercentage?.value ?? 100,
        }
      : undefined,
    rewrite: spec.rewrite,
    headers: compileHeaders(spec.headers),
  };
}

function compileLoadBalancer(spec: TrafficPolicySpec['loadBalancer']): LoadBalancerPolicy {
  const hash = spec?.consistentHash;
  if (hash) {
    const ringSize = Math.max(hash.ringHash?.minimumRingSize ?? 1024, 64);
    if (hash.httpHeaderName)
      return { kind: 'HASH', by: 'header', name: hash.httpHeaderName.toLowerCase(), ringSize };
    if (hash.httpCookie)
      return {
        kind: 'HASH',
        by: 'cookie',
        name: hash.httpCookie.name,
        cookiePath: hash.httpCookie.path,
        cookieTtlMs: hash.httpCookie.ttl,
        ringSize,
      };
    if (hash.httpQueryParameterName)
      return { kind: 'HASH', by: 'query', name: hash.httpQueryParameterName, ringSize };
    return { kind: 'HASH', by: 'sourceIp', name: '', ringSize };
  }
  const simple = spec?.simple;
  // Istio's default load balancer is LEAST_REQUEST.
  return { kind: simple === 'ROUND_ROBIN' || simple === 'RANDOM' ? simple : 'LEAST_REQUEST' };
}

function orDefault(v: number | undefined, d: number): number {
  // Istio treats 0 in these limits as "unset".
  return v === undefined || v === 0 ? d : v;
}

export function compileTrafficPolicy(spec: TrafficPolicySpec | undefined): TrafficPolicy {
  const tcp = spec?.connectionPool?.tcp;
  const http = spec?.connectionPool?.http;
  const od = spec?.outlierDetection;
  return {
    loadBalancer: compileLoadBalancer(spec?.loadBalancer),
    pool: {
      maxConnections: orDefault(tcp?.maxConnections, UNLIMITED),
      connectTimeoutMs: tcp?.connectTimeout ?? 10_000,
      maxPendingRequests: orDefault(http?.http1MaxPendingRequests, UNLIMITED),
      maxRequests: orDefault(http?.http2MaxRequests, UNLIMITED),
      maxRequestsPerConnection: http?.maxRequestsPerConnection ?? 0,
      maxRetries: orDefault(http?.maxRetries, UNLIMITED),
      idleTimeoutMs: http?.idleTimeout,
    },
    tlsMode: spec?.tls?.mode,
    outlier: od
      ? {
          consecutive5xx: od.consecutive5xxErrors ?? 5,
          consecutiveGateway: od.consecutiveGatewayErrors ?? 0,
          intervalMs: od.interval ?? 10_000,
          baseEjectionMs: od.baseEjectionTime ?? 30_000,
          maxEjectionPercent: od.maxEjectionPercent ?? 10,
          minHealthPercent: od.minHealthPercent ?? 0,
        }
      : undefined,
  };
}

/** Istio: subset settings replace the rule's settings field by field (loadBalancer, connectionPool, …). */
function mergePolicy(
  top: TrafficPolicySpec | undefined,
  sub: TrafficPolicySpec | undefined,
): TrafficPolicySpec | undefined {
  if (!sub) return top;
  return {
    loadBalancer: sub.loadBalancer ?? top?.loadBalancer,
    connectionPool: sub.connectionPool ?? top?.connectionPool,
    outlierDetection: sub.outlierDetection ?? top?.outlierDetection,
    tls: sub.tls ?? top?.tls,
  };
}

function compileDestinationRule(
  name: string,
  ns: string,
  spec: DestinationRuleSpec,
  issues: Issues,
): DestinationRuleModel {
  const subsets = new Map<string, { labels: Record<string, string>; policy: TrafficPolicy }>();
  (spec.subsets ?? []).forEach((s, i) => {
    if (subsets.has(s.name)) issues.add(`spec.subsets[${i}].name`, `subset "${s.name}" is defined twice`);
    subsets.set(s.name, {
      labels: s.labels ?? {},
      policy: compileTrafficPolicy(mergePolicy(spec.trafficPolicy, s.trafficPolicy)),
    });
  });
  return {
    name,
    namespace: ns,
    host: expandHost(spec.host, ns),
    policy: compileTrafficPolicy(spec.trafficPolicy),
    subsets,
  };
}

export function compileMeshConfig(resources: readonly MeshResource[]): MeshConfigResult {
  const all: ConfigIssue[] = [];
  const services: ServiceModel[] = [];
  const virtualServices = new Map<string, VirtualServiceModel>();
  const destinationRules = new Map<string, DestinationRuleModel>();
  const rateLimits: RateLimitModel[] = [];
  const peerAuthentications: PeerAuthenticationModel[] = [];
  const authorizationPolicies: AuthorizationPolicyModel[] = [];
  const vsRoutes: Array<{ issues: Issues; routes: readonly HttpRoute[] }> = [];

  for (const r of resources) {
    const issues = new Issues(`${r.kind} ${r.namespace}/${r.name}`);
    switch (r.kind) {
      case 'ServiceEntry':
        for (const host of r.spec.hosts) {
          services.push({
            host,
            namespace: r.namespace,
            location: r.spec.location,
            subjectAltNames: r.spec.subjectAltNames,
            ports: r.spec.ports,
            endpoints: (r.spec.endpoints ?? []).map((e) => ({
              address: e.address,
              ports: e.ports ?? {},
              labels: e.labels ?? {},
              weight: e.weight ?? 1,
              serviceAccount: e.serviceAccount,
            })),
          });
        }
        break;
      case 'VirtualService': {
        const routes = r.spec.http.map((h, i) => compileRoute(h, `spec.http[${i}]`, r.namespace, issues));
        const model = { name: r.name, namespace: r.namespace, routes };
        r.spec.hosts.forEach((h, i) => {
          const host = expandHost(h, r.namespace);
          const other = virtualServices.get(host);
          if (other)
            issues.add(
              `spec.hosts[${i}]`,
              `host ${host} already has VirtualService ${other.namespace}/${other.name}`,
            );
          virtualServices.set(host, model);
        });
        vsRoutes.push({ issues, routes });
        break;
      }
      case 'DestinationRule': {
        const dr = compileDestinationRule(r.name, r.namespace, r.spec, issues);
        const other = destinationRules.get(dr.host);
        if (other)
          issues.add(
            'spec.host',
            `host ${dr.host} already has DestinationRule ${other.namespace}/${other.name}`,
          );
        destinationRules.set(dr.host, dr);
        break;
      }
      case 'PeerAuthentication': {
        const pa = compilePeerAuthentication(r.name, r.namespace, r.spec);
        // Istio applies the oldest of several; a file has no age, so two are an error.
        const twin = pa.selector
          ? undefined
          : peerAuthentications.find((o) => !o.selector && o.namespace === pa.namespace);
        if (twin)
          issues.add(
            'spec.selector',
            `namespace ${pa.namespace} already has a namespace-wide PeerAuthentication (${twin.name})`,
          );
        peerAuthentications.push(pa);
        break;
      }
      case 'AuthorizationPolicy':
        authorizationPolicies.push(compileAuthorizationPolicy(r.name, r.namespace, r.spec));
        break;
      case 'LocalRateLimit': {
        const s = r.spec;
        rateLimits.push({
          name: `${r.namespace}/${r.name}`,
          target: s.host
            ? { kind: 'host', host: expandHost(s.host, r.namespace) }
            : s.route
              ? { kind: 'route', route: s.route }
              : { kind: 'inbound' },
          bucket: {
            maxTokens: s.tokenBucket.maxTokens,
            tokensPerFill: s.tokenBucket.tokensPerFill ?? 1,
            fillIntervalMs: s.tokenBucket.fillInterval,
          },
        });
        break;
      }
    }
    all.push(...issues.list);
  }

  // A subset named by a route must exist: otherwise Istio answers every such request 503 (NR), which is
  // better caught before the file is applied.
  for (const { issues, routes } of vsRoutes) {
    routes.forEach((route, i) => {
      route.destinations.forEach((d, j) => {
        if (d.subset && !destinationRules.get(d.host)?.subsets.has(d.subset)) {
          issues.add(
            `spec.http[${i}].route[${j}].destination.subset`,
            `no DestinationRule for ${d.host} defines subset "${d.subset}"`,
          );
        }
      });
      if (
        route.mirror?.subset &&
        !destinationRules.get(route.mirror.host)?.subsets.has(route.mirror.subset)
      ) {
        issues.add(
          `spec.http[${i}].mirror.subset`,
          `no DestinationRule for ${route.mirror.host} defines subset "${route.mirror.subset}"`,
        );
      }
    });
    all.push(...issues.list.filter((x) => !all.includes(x)));
  }
  if (all.length > 0) return { ok: false, issues: all };
  return {
    ok: true,
    config: {
      services,
      virtualServices,
      destinationRules,
      rateLimits,
      peerAuthentications,
      authorizationPolicies,
      resources: resources.map((r) => ({ ...r })),
    },
  };
}
