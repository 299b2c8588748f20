/**
 * The compiled configuration: Istio resources turned into the shapes the data path reads, once per
 * (re)load, so that a request never re-parses a duration or re-compiles a regex.
 */

export type StringMatcher =
  | { kind: 'exact'; value: string }
  | { kind: 'prefix'; value: string }
  | { kind: 'regex'; value: string; re: RegExp }
  | { kind: 'present' };

export interface RouteMatch {
  uri?: StringMatcher;
  method?: StringMatcher;
  authority?: StringMatcher;
  headers: ReadonlyArray<readonly [name: string, matcher: StringMatcher]>;
  withoutHeaders: ReadonlyArray<readonly [name: string, matcher: StringMatcher]>;
  queryParams: ReadonlyArray<readonly [name: string, matcher: StringMatcher]>;
  ignoreUriCase: boolean;
  port?: number;
  sourceLabels?: Readonly<Record<string, string>>;
}

export interface HeaderOps {
  requestSet: ReadonlyArray<readonly [string, string]>;
  requestAdd: ReadonlyArray<readonly [string, string]>;
  requestRemove: readonly string[];
  responseSet: ReadonlyArray<readonly [string, string]>;
  responseAdd: ReadonlyArray<readonly [string, string]>;
  responseRemove: readonly string[];
}

export interface DestinationRef {
  host: string;
  subset?: string;
  port?: number;
}

export interface WeightedDestination extends DestinationRef {
  weight: number;
  headers?: HeaderOps;
}

/** Retry conditions as bits, so the per-response check is one AND. */
export const RetryOn = {
  fiveXx: 1,
  gatewayError: 2,
  reset: 4,
  connectFailure: 8,
  refusedStream: 16,
  retriable4xx: 32,
  retriableStatusCodes: 64,
  grpcCancelled: 128,
  grpcDeadlineExceeded: 256,
  grpcInternal: 512,
  grpcResourceExhausted: 1024,
  grpcUnavailable: 2048,
} as const;

export interface RetryPolicy {
  attempts: number;
  perTryTimeoutMs?: number;
  retryOn: number;
  statusCodes: ReadonlySet<number>;
  /** true when the operator wrote the policy; the mesh default never re-sends a request that reached the app */
  explicit: boolean;
}

export interface FaultPolicy {
  delay?: { ms: number; percent: number };
  abort?: { status: number; percent: number };
}

export interface HttpRoute {
  name?: string;
  /** empty = matches every request */
  matches: readonly RouteMatch[];
  destinations: readonly WeightedDestination[];
  totalWeight: number;
  timeoutMs?: number;
  retries?: RetryPolicy;
  fault?: FaultPolicy;
  mirror?: DestinationRef & { percent: number };
  rewrite?: { uri?: string; authority?: string };
  headers?: HeaderOps;
}

export interface VirtualServiceModel {
  name: string;
  namespace: string;
  routes: readonly HttpRoute[];
}

export type LoadBalancerPolicy =
  | { kind: 'ROUND_ROBIN' | 'LEAST_REQUEST' | 'RANDOM' }
  | {
      kind: 'HASH';
      by: 'header' | 'cookie' | 'sourceIp' | 'query';
      name: string;
      cookiePath?: string;
      cookieTtlMs?: number;
      ringSize: number;
    };

export interface PoolPolicy {
  maxConnections: number;
  connectTimeoutMs: number;
  maxPendingRequests: number;
  maxRequests: number;
  /** 0 = unlimited */
  maxRequestsPerConnection: number;
  maxRetries: number;
  idleTimeoutMs?: number;
}

export interface OutlierPolicy {
  consecutive5xx: number;
  consecutiveGateway: number;
  intervalMs: number;
  baseEjectionMs: number;
  maxEjectionPercent: number;
  minHealthPercent: number;
}

export interface TrafficPolicy {
  loadBalancer: LoadBalancerPolicy;
  pool: PoolPolicy;
  outlier?: OutlierPolicy;
  /** DestinationRule tls.mode: ISTIO_MUTUAL (mTLS) or DISABLE (plaintext); unset = by ServiceEntry location */
  tlsMode?: 'ISTIO_MUTUAL' | 'DISABLE';
}

export interface DestinationRuleModel {
  name: string;
  namespace: string;
  host: string;
  policy: TrafficPolicy;
  subsets: ReadonlyMap<string, { labels: Readonly<Record<string, string>>; policy: TrafficPolicy }>;
}

export interface EndpointModel {
  address: string;
  port: number;
  labels: Readonly<Record<string, string>>;
  weight: number;
}

export interface ServiceModel {
  host: string;
  namespace: string;
  /** MESH_EXTERNAL services have no sidecar: plain connections, no peer identity */
  location?: 'MESH_INTERNAL' | 'MESH_EXTERNAL';
  /** ServiceEntry subjectAltNames: SPIFFE IDs the endpoints may present */
  subjectAltNames?: readonly string[];
  ports: ReadonlyArray<{ number: number; name: string; targetPort?: number }>;
  /** endpoints with their port already chosen per service port number */
  endpoints: ReadonlyArray<{
    address: string;
    ports: Readonly<Record<string, number>>;
    labels: Readonly<Record<string, string>>;
    weight: number;
    /** the endpoint runs as spiffe://<trust domain>/ns/<service namespace>/sa/<serviceAccount> */
    serviceAccount?: string;
  }>;
}

export interface TokenBucketPolicy {
  maxTokens: number;
  tokensPerFill: number;
  fillIntervalMs: number;
}

export interface RateLimitModel {
  name: string;
  target: { kind: 'host'; host: string } | { kind: 'route'; route: string } | { kind: 'inbound' };
  bucket: TokenBucketPolicy;
}

export type MtlsMode = 'UNSET' | 'DISABLE' | 'PERMISSIVE' | 'STRICT';

export interface PeerAuthenticationModel {
  name: string;
  namespace: string;
  /** absent: namespace-wide (mesh-wide in the root namespace) */
  selector?: Readonly<Record<string, string>>;
  mode: MtlsMode;
  portModes: ReadonlyMap<number, MtlsMode>;
}

/** Istio's string match for authorization values: exact, `abc*`, `*abc`, `*` (present, non-empty). */
export type ValuePattern =
  | { kind: 'exact'; value: string }
  | { kind: 'prefix'; value: string }
  | { kind: 'suffix'; value: string }
  | { kind: 'present' };

/** One `from.source` or `to.operation`: every field set must match (values of a field OR). */
export type AuthzFields = ReadonlyArray<{
  field: 'principal' | 'namespace' | 'host' | 'port' | 'method' | 'path';
  negate: boolean;
  patterns: readonly ValuePattern[];
}>;

export interface AuthzRule {
  /** empty: any source */
  from: readonly AuthzFields[];
  /** empty: any operation */
  to: readonly AuthzFields[];
}

export interface AuthorizationPolicyModel {
  /** `namespace/name`, as logged and counted */
  name: string;
  namespace: string;
  selector?: Readonly<Record<string, string>>;
  action: 'ALLOW' | 'DENY' | 'AUDIT';
  /** no rules: matches nothing (an ALLOW policy without rules denies everything, as in Istio) */
  rules: readonly AuthzRule[];
}

/** Everything one configuration file says, compiled. */
export interface MeshConfig {
  services: readonly ServiceModel[];
  /** by destination host (FQDN as written in the resources, short names expanded) */
  virtualServices: ReadonlyMap<string, VirtualServiceModel>;
  destinationRules: ReadonlyMap<string, DestinationRuleModel>;
  rateLimits: readonly RateLimitModel[];
  peerAuthentications: readonly PeerAuthenticationModel[];
  authorizationPolicies: readonly AuthorizationPolicyModel[];
  /** the validated resources, for the admin /config view */
  resources: readonly unknown[];
}
