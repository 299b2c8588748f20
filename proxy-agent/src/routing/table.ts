/**
 * One immutable view of where things are: the compiled mesh config joined with the service registry.
 * A request takes the table current at its start and keeps it to the end, so swapping in a new table on
 * reload never changes a request in flight.
 */
import { expandHost } from '../config/compile.js';
import type {
  MeshConfig,
  RateLimitModel,
  ServiceModel,
  TrafficPolicy,
  VirtualServiceModel,
} from '../config/model.js';
import { compileTrafficPolicy } from '../config/compile.js';
import type { UpstreamSecurity } from '../listeners/transport.js';
import { policiesFor, type WorkloadPolicies } from '../security/authorization.js';
import { type PeerMode, resolvePeerMode } from '../security/peer-authentication.js';

export interface EndpointDef {
  /** `address:port`, the identity of the endpoint across reloads */
  key: string;
  address: string;
  port: number;
  labels: Readonly<Record<string, string>>;
  weight: number;
}

export interface ClusterDef {
  /** Envoy-style cluster name: `outbound|<port>|<subset>|<host>` */
  key: string;
  host: string;
  namespace: string;
  subset: string | undefined;
  port: number;
  policy: TrafficPolicy;
  endpoints: readonly EndpointDef[];
  security: UpstreamSecurity;
}

/** What the table needs to know about the workload it runs in. */
export interface TableSelf {
  trustDomain: string;
  /** workload labels, for PeerAuthentication / AuthorizationPolicy selectors */
  labels: Readonly<Record<string, string>>;
  /** the app port: portLevelMtls and AuthorizationPolicy `ports` refer to it */
  appPort: number | undefined;
}

const DEFAULT_SELF: TableSelf = { trustDomain: 'cluster.local', labels: {}, appPort: undefined };

const DEFAULT_POLICY = compileTrafficPolicy(undefined);

function subsetMatches(
  labels: Readonly<Record<string, string>>,
  selector: Readonly<Record<string, string>>,
): boolean {
  for (const k in selector) if (labels[k] !== selector[k]) return false;
  return true;
}

export class RouteTable {
  private readonly services = new Map<string, ServiceModel>();
  private readonly aliases = new Map<string, string>();
  private readonly clusters = new Map<string, ClusterDef | null>();
  readonly inboundRateLimit: RateLimitModel | undefined;
  private readonly hostRateLimits = new Map<string, RateLimitModel>();
  private readonly routeRateLimits = new Map<string, RateLimitModel>();
  /** what the inbound listener accepts (PeerAuthentication) */
  readonly peerMode: PeerMode;
  /** the AuthorizationPolicies that apply to this workload */
  readonly authz: WorkloadPolicies;

  constructor(
    readonly config: MeshConfig,
    registry: readonly ServiceModel[],
    private readonly ownNamespace: string,
    readonly version: number,
    readonly self: TableSelf = DEFAULT_SELF,
  ) {
    // ServiceEntries are the operator's explicit word: they win over the registry for the same host.
    for (const s of registry) this.services.set(s.host, s);
    for (const s of config.services) this.services.set(s.host, s);
    for (const host of this.services.keys()) this.addAliases(host);
    const workload = { namespace: ownNamespace, labels: self.labels, port: self.appPort };
    this.peerMode = resolvePeerMode(config.peerAuthentications, workload);
    this.authz = policiesFor(config.authorizationPolicies, workload);
    for (const rl of config.rateLimits) {
      if (rl.target.kind === 'inbound') this.inboundRateLimit = rl;
      else if (rl.target.kind === 'host') this.hostRateLimits.set(rl.target.host, rl);
      else this.routeRateLimits.set(rl.target.route, rl);
    }
  }

  private addAliases(host: string): void {
    this.aliases.set(host, host);
    const m = /^([^.]+)\.([^.]+)\.svc(?:\.cluster\.local)?$/.exec(host);
    if (!m) return;
    const [, name = '', ns = ''] = m;
    // DNS search-path names a pod in the same namespace can use.
    if (!this.aliases.has(`${name}.${ns}`)) this.aliases.set(`${name}.${ns}`, host);
    if (!this.aliases.has(`${name}.${ns}.svc`)) this.aliases.set(`${name}.${ns}.svc`, host);
    if (ns === this.ownNamespace && !this.aliases.has(name)) this.aliases.set(name, host);
  }

  /** Canonical service host for a host as an app wrote it (short name, FQDN…), or undefined. */
  resolveHost(host: string): string | undefined {
    return this.aliases.get(host) ?? this.aliases.get(expandHost(host, this.ownNamespace));
  }

  virtualService(host: string): VirtualServiceModel | undefined {
    return this.config.virtualServices.get(host);
  }

  /** The local rate limit of a request: its route's (by route name) if it has one, else its destination host's. */
  rateLimitFor(routeName: string | undefined, host: string): RateLimitModel | undefined {
    return (routeName ? this.routeRateLimits.get(routeName) : undefined) ?? this.hostRateLimits.get(host);
  }

  /** The cluster for a destination (host may be any alias), memoised per table. */
  cluster(
    hostAsWritten: string,
    subset: string | undefined,
    port: number | undefined,
  ): ClusterDef | undefined {
    const memoKey = `${hostAsWritten}|${subset ?? ''}|${port ?? ''}`;
    const memo = this.clusters.get(memoKey);
    if (memo !== undefined) return memo ?? undefined;
    const built = this.buildCluster(hostAsWritten, subset, port);
    this.clusters.set(memoKey, built ?? null);
    return built;
  }

  private buildCluster(
    hostAsWritten: string,
    subset: string | undefined,
    port: number | undefined,
  ): ClusterDef | undefined {
    const host = this.resolveHost(hostAsWritten);
    const service = host ? this.services.get(host) : undefined;
    if (!host || !service) return undefined;
    const servicePort =
      (port !== undefined ? service.ports.find((p) => p.number === port) : undefined) ?? service.ports[0];
    if (!servicePort) return undefined;
    const dr = this.config.destinationRules.get(host);
    let policy = dr?.policy ?? DEFAULT_POLICY;
    let selector: Readonly<Record<string, string>> = {};
    if (subset) {
      const s = dr?.subsets.get(subset);
      if (!s) return undefined;
      policy = s.policy;
      selector = s.labels;
    }
    const endpoints: EndpointDef[] = [];
    // Istio: the SANs a client accepts are the ServiceEntry's subjectAltNames plus its endpoints' accounts.
    const expectedIds = new Set(service.subjectAltNames ?? []);
    for (const e of service.endpoints) {
      if (!subsetMatches(e.labels, selector)) continue;
      if (e.serviceAccount)
        expectedIds.add(`spiffe://${this.self.trustDomain}/ns/${service.namespace}/sa/${e.serviceAccount}`);
      const p = e.ports[servicePort.name] ?? servicePort.targetPort ?? servicePort.number;
      endpoints.push({
        key: `${e.address}:${p}`,
        address: e.address,
        port: p,
        labels: e.labels,
        weight: e.weight,
      });
    }
    return {
      key: `outbound|${servicePort.number}|${subset ?? ''}|${host}`,
      host,
      namespace: service.namespace,
      subset,
      port: servicePort.number,
      policy,
      endpoints,
      security: {
        mtls: policy.tlsMode ? policy.tlsMode === 'ISTIO_MUTUAL' : service.location !== 'MESH_EXTERNAL',
        expectedIds: [...expectedIds].sort(),
      },
    };
  }
}
