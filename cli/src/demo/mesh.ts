/**
 * The demo mesh's Istio-style configuration, as one YAML file every demo agent watches. Pure: the same
 * inputs give the same text, so `meshscope demo fault on|off` regenerates it from the saved layout.
 */

export const DEMO_NAMESPACE = 'bookinfo';
export const DEMO_TRUST_DOMAIN = 'cluster.local';

/** One workload of the demo: the app it is, its version, its service account. */
export interface DemoWorkload {
  app: string;
  version: string;
  serviceAccount: string;
}

export const DEMO_WORKLOADS: readonly DemoWorkload[] = [
  { app: 'productpage', version: 'v1', serviceAccount: 'bookinfo-productpage' },
  { app: 'details', version: 'v1', serviceAccount: 'bookinfo-details' },
  { app: 'reviews', version: 'v1', serviceAccount: 'bookinfo-reviews' },
  { app: 'reviews', version: 'v2', serviceAccount: 'bookinfo-reviews' },
  { app: 'reviews', version: 'v3', serviceAccount: 'bookinfo-reviews' },
  { app: 'ratings', version: 'v1', serviceAccount: 'bookinfo-ratings' },
];

/** The client that drives traffic into productpage (an outbound-only agent). */
export const LOAD_WORKLOAD: DemoWorkload = {
  app: 'loadgenerator',
  version: 'v1',
  serviceAccount: 'bookinfo-loadgenerator',
};

/** `low`: a few percent of 503s and some delay (the demo's normal); `high`: enough to fire the alert. */
export type FaultLevel = 'low' | 'high';

export const FAULTS: Record<FaultLevel, { abortPercent: number; delayPercent: number }> = {
  low: { abortPercent: 2, delayPercent: 10 },
  high: { abortPercent: 40, delayPercent: 10 },
};

/** Where each workload's agent takes inbound mTLS traffic: `<app>-<version>` → port. */
export type InboundPorts = Record<string, number>;

export const workloadName = (w: DemoWorkload): string => `${w.app}-${w.version}`;
export const hostOf = (app: string): string => `${app}.${DEMO_NAMESPACE}.svc.cluster.local`;
export const principalOf = (serviceAccount: string): string =>
  `${DEMO_TRUST_DOMAIN}/ns/${DEMO_NAMESPACE}/sa/${serviceAccount}`;

const meta = (name: string) => `metadata: { name: ${name}, namespace: ${DEMO_NAMESPACE} }`;

function serviceEntry(app: string, ports: InboundPorts): string {
  const endpoints = DEMO_WORKLOADS.filter((w) => w.app === app).map(
    (w) =>
      `    - address: 127.0.0.1\n      ports: { http: ${ports[workloadName(w)] ?? 0} }\n` +
      `      labels: { app: ${w.app}, version: ${w.version} }\n      serviceAccount: ${w.serviceAccount}`,
  );
  return `apiVersion: networking.istio.io/v1
kind: ServiceEntry
${meta(app)}
spec:
  hosts: [${hostOf(app)}]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{ number: 80, name: http, protocol: HTTP }]
  endpoints:
${endpoints.join('\n')}`;
}

const REVIEWS_SPLIT = `apiVersion: networking.istio.io/v1
kind: VirtualService
${meta('reviews')}
spec:
  hosts: [reviews]
  http:
    - name: canary
      route:
        - { destination: { host: reviews, subset: v1 }, weight: 80 }
        - { destination: { host: reviews, subset: v2 }, weight: 10 }
        - { destination: { host: reviews, subset: v3 }, weight: 10 }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
${meta('reviews')}
spec:
  host: reviews
  subsets:
    - { name: v1, labels: { version: v1 } }
    - { name: v2, labels: { version: v2 } }
    - { name: v3, labels: { version: v3 } }`;

function ratingsFault(level: FaultLevel): string {
  const { abortPercent, delayPercent } = FAULTS[level];
  return `apiVersion: networking.istio.io/v1
kind: VirtualService
${meta('ratings')}
spec:
  hosts: [ratings]
  http:
    - name: ratings
      fault:
        delay: { fixedDelay: 150ms, percentage: { value: ${delayPercent} } }
        abort: { httpStatus: 503, percentage: { value: ${abortPercent} } }
      route: [{ destination: { host: ratings } }]`;
}

const SECURITY = `apiVersion: security.istio.io/v1
kind: PeerAuthentication
${meta('default')}
spec:
  mtls: { mode: STRICT }
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
${meta('reviews-from-productpage')}
spec:
  selector: { matchLabels: { app: reviews } }
  action: ALLOW
  rules:
    - from: [{ source: { principals: ['${principalOf('bookinfo-productpage')}'] } }]`;

/**
 * The demo's mesh file. Without `ports` (before the agents listen) it holds only the security policies,
 * so every agent starts STRICT; with them, the services, the reviews canary split and the ratings fault.
 */
export function demoMeshYaml(ports: InboundPorts | undefined, fault: FaultLevel): string {
  const docs = [SECURITY];
  if (ports) {
    const apps = [...new Set(DEMO_WORKLOADS.map((w) => w.app))];
    docs.push(...apps.map((app) => serviceEntry(app, ports)), REVIEWS_SPLIT, ratingsFault(fault));
  }
  return `${docs.join('\n---\n')}\n`;
}

/** The demo alert rule (query alerts rules-file format): ratings failing more than 5 % for a minute. */
export const DEMO_ALERT_RULES = `# Written by meshscope start (the demo). \`meshscope demo fault on\` makes it fire, \`off\` resolves it.
rules:
  - name: DemoRatingsErrorRate
    scope: { service: ratings }
    signal: { type: error_rate, window: 1m, threshold: 0.05 }
    for: 1m
    minRequests: 10
    labels: { severity: page }
    annotations: { summary: '{{service}} fails {{value}} of requests (meshscope demo fault on)' }
`;
