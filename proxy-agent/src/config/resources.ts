/**
 * Schemas of the Istio resources the agent accepts (a documented subset of istio/api, same field names and
 * semantics) plus meshscope's LocalRateLimit. Objects are strict: a field Istio has but the agent does not
 * implement is rejected with its path, rather than silently ignored and surprising the operator later.
 */
import { z } from 'zod';
import { durationMs } from './duration.js';

const nonNegInt = z.number().int().min(0);
const percentValue = z.number().min(0).max(100);
const labels = z.record(z.string(), z.string());

export const stringMatchSchema = z
  .strictObject({ exact: z.string().optional(), prefix: z.string().optional(), regex: z.string().optional() })
  .refine((m) => [m.exact, m.prefix, m.regex].filter((v) => v !== undefined).length <= 1, {
    message: 'set at most one of exact, prefix, regex',
  });
export type StringMatchSpec = z.infer<typeof stringMatchSchema>;

const headerOperations = z.strictObject({
  set: z.record(z.string(), z.string()).optional(),
  add: z.record(z.string(), z.string()).optional(),
  remove: z.array(z.string()).optional(),
});
export const headersSchema = z.strictObject({
  request: headerOperations.optional(),
  response: headerOperations.optional(),
});
export type HeadersSpec = z.infer<typeof headersSchema>;

const portSelector = z.strictObject({ number: z.number().int().min(1).max(65_535) });

export const destinationSchema = z.strictObject({
  host: z.string().min(1),
  subset: z.string().min(1).optional(),
  port: portSelector.optional(),
});

const matchRequest = z.strictObject({
  name: z.string().optional(),
  uri: stringMatchSchema.optional(),
  method: stringMatchSchema.optional(),
  authority: stringMatchSchema.optional(),
  headers: z.record(z.string(), stringMatchSchema).optional(),
  withoutHeaders: z.record(z.string(), stringMatchSchema).optional(),
  queryParams: z.record(z.string(), stringMatchSchema).optional(),
  ignoreUriCase: z.boolean().optional(),
  port: z.number().int().min(1).max(65_535).optional(),
  sourceLabels: labels.optional(),
});

const percentage = z.strictObject({ value: percentValue });

const httpRoute = z.strictObject({
  name: z.string().optional(),
  match: z.array(matchRequest).optional(),
  route: z
    .array(
      z.strictObject({
        destination: destinationSchema,
        weight: nonNegInt.optional(),
        headers: headersSchema.optional(),
      }),
    )
    .min(1, 'a route needs at least one destination'),
  timeout: durationMs.optional(),
  retries: z
    .strictObject({
      attempts: nonNegInt,
      perTryTimeout: durationMs.optional(),
      retryOn: z.string().optional(),
      retryRemoteLocalities: z.boolean().optional(),
    })
    .optional(),
  fault: z
    .strictObject({
      delay: z.strictObject({ fixedDelay: durationMs, percentage: percentage.optional() }).optional(),
      abort: z
        .strictObject({ httpStatus: z.number().int().min(200).max(599), percentage: percentage.optional() })
        .optional(),
    })
    .optional(),
  mirror: destinationSchema.optional(),
  mirrorPercentage: percentage.optional(),
  rewrite: z.strictObject({ uri: z.string().optional(), authority: z.string().optional() }).optional(),
  headers: headersSchema.optional(),
});
export type HttpRouteSpec = z.infer<typeof httpRoute>;

export const virtualServiceSpec = z.strictObject({
  hosts: z.array(z.string().min(1)).min(1, 'at least one host'),
  exportTo: z.array(z.string()).optional(),
  http: z.array(httpRoute).min(1, 'at least one http route'),
});
export type VirtualServiceSpec = z.infer<typeof virtualServiceSpec>;

const loadBalancer = z
  .strictObject({
    simple: z.enum(['ROUND_ROBIN', 'LEAST_REQUEST', 'RANDOM', 'UNSPECIFIED']).optional(),
    consistentHash: z
      .strictObject({
        httpHeaderName: z.string().min(1).optional(),
        httpCookie: z
          .strictObject({ name: z.string().min(1), path: z.string().optional(), ttl: durationMs.optional() })
          .optional(),
        useSourceIp: z.boolean().optional(),
        httpQueryParameterName: z.string().min(1).optional(),
        ringHash: z.strictObject({ minimumRingSize: z.number().int().min(1).max(65_536) }).optional(),
      })
      .refine(
        (h) =>
          [h.httpHeaderName, h.httpCookie, h.useSourceIp, h.httpQueryParameterName].filter(
            (v) => v !== undefined,
          ).length === 1,
        { message: 'set exactly one of httpHeaderName, httpCookie, useSourceIp, httpQueryParameterName' },
      )
      .optional(),
  })
  .refine((lb) => !(lb.simple && lb.consistentHash), {
    message: 'set either simple or consistentHash, not both',
  });

const connectionPool = z.strictObject({
  tcp: z
    .strictObject({
      maxConnections: z.number().int().min(1).optional(),
      connectTimeout: durationMs.optional(),
    })
    .optional(),
  http: z
    .strictObject({
      http1MaxPendingRequests: z.number().int().min(0).optional(),
      http2MaxRequests: z.number().int().min(1).optional(),
      maxRequestsPerConnection: z.number().int().min(0).optional(),
      maxRetries: z.number().int().min(0).optional(),
      idleTimeout: durationMs.optional(),
    })
    .optional(),
});

const outlierDetection = z.strictObject({
  consecutive5xxErrors: nonNegInt.optional(),
  consecutiveGatewayErrors: nonNegInt.optional(),
  interval: durationMs.optional(),
  baseEjectionTime: durationMs.optional(),
  maxEjectionPercent: z.number().int().min(0).max(100).optional(),
  minHealthPercent: z.number().int().min(0).max(100).optional(),
});

export const trafficPolicySchema = z.strictObject({
  loadBalancer: loadBalancer.optional(),
  connectionPool: connectionPool.optional(),
  outlierDetection: outlierDetection.optional(),
  /** only the mesh's own modes: SIMPLE / MUTUAL (custom certificates to outside services) are not supported */
  tls: z.strictObject({ mode: z.enum(['DISABLE', 'ISTIO_MUTUAL']) }).optional(),
});
export type TrafficPolicySpec = z.infer<typeof trafficPolicySchema>;

export const destinationRuleSpec = z.strictObject({
  host: z.string().min(1),
  exportTo: z.array(z.string()).optional(),
  trafficPolicy: trafficPolicySchema.optional(),
  subsets: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        labels: labels.optional(),
        trafficPolicy: trafficPolicySchema.optional(),
      }),
    )
    .optional(),
});
export type DestinationRuleSpec = z.infer<typeof destinationRuleSpec>;

export const serviceEntrySpec = z.strictObject({
  hosts: z.array(z.string().min(1)).min(1, 'at least one host'),
  subjectAltNames: z.array(z.string().min(1)).optional(),
  exportTo: z.array(z.string()).optional(),
  location: z.enum(['MESH_INTERNAL', 'MESH_EXTERNAL']).optional(),
  resolution: z.enum(['STATIC', 'NONE', 'DNS']).optional(),
  ports: z
    .array(
      z.strictObject({
        number: z.number().int().min(1).max(65_535),
        name: z.string().min(1),
        protocol: z.enum(['HTTP', 'HTTP2', 'GRPC', 'TCP', 'HTTPS', 'TLS']).optional(),
        targetPort: z.number().int().min(1).max(65_535).optional(),
      }),
    )
    .min(1, 'at least one port'),
  endpoints: z
    .array(
      z.strictObject({
        address: z.string().min(1),
        ports: z.record(z.string(), z.number().int().min(1).max(65_535)).optional(),
        labels: labels.optional(),
        weight: z.number().int().min(0).optional(),
        network: z.string().optional(),
        locality: z.string().optional(),
        serviceAccount: z.string().optional(),
      }),
    )
    .optional(),
});
export type ServiceEntrySpec = z.infer<typeof serviceEntrySpec>;

/** meshscope.io/v1alpha1 LocalRateLimit: Envoy's local token bucket, per destination host, route or inbound. */
export const localRateLimitSpec = z
  .strictObject({
    host: z.string().min(1).optional(),
    route: z.string().min(1).optional(),
    inbound: z.boolean().optional(),
    tokenBucket: z.strictObject({
      maxTokens: z.number().int().min(1),
      tokensPerFill: z.number().int().min(1).optional(),
      fillInterval: durationMs,
    }),
  })
  .refine((s) => [s.host, s.route, s.inbound || undefined].filter((v) => v !== undefined).length === 1, {
    message: 'set exactly one target: host, route or inbound: true',
  });
export type LocalRateLimitSpec = z.infer<typeof localRateLimitSpec>;

const workloadSelector = z.strictObject({ matchLabels: labels });
const mtlsMode = z.enum(['UNSET', 'DISABLE', 'PERMISSIVE', 'STRICT']);

/** security.istio.io PeerAuthentication: which connections a workload's inbound listener accepts. */
export const peerAuthenticationSpec = z
  .strictObject({
    selector: workloadSelector.optional(),
    mtls: z.strictObject({ mode: mtlsMode.default('UNSET') }).optional(),
    portLevelMtls: z
      .record(z.string().regex(/^\d+$/, 'keys are port numbers'), z.strictObject({ mode: mtlsMode }))
      .optional(),
  })
  .refine((s) => !s.portLevelMtls || s.selector, {
    message: 'portLevelMtls needs a selector (as in Istio)',
    path: ['portLevelMtls'],
  });
export type PeerAuthenticationSpec = z.infer<typeof peerAuthenticationSpec>;

const values = z.array(z.string()).optional();
const nonEmpty = (o: Record<string, unknown>) => Object.values(o).some((v) => v !== undefined);
const source = z
  .strictObject({ principals: values, notPrincipals: values, namespaces: values, notNamespaces: values })
  .refine(nonEmpty, { message: 'a source needs at least one field' });
const portList = z.array(z.string().regex(/^\d+$/, 'ports are numbers written as strings')).optional();
const operation = z
  .strictObject({
    hosts: values,
    notHosts: values,
    ports: portList,
    notPorts: portList,
    methods: values,
    notMethods: values,
    paths: values,
    notPaths: values,
  })
  .refine(nonEmpty, { message: 'an operation needs at least one field' });

/** security.istio.io AuthorizationPolicy (ALLOW / DENY / AUDIT; `when` and CUSTOM are not supported). */
export const authorizationPolicySpec = z.strictObject({
  selector: workloadSelector.optional(),
  action: z
    .enum(['ALLOW', 'DENY', 'AUDIT', 'CUSTOM'])
    .default('ALLOW')
    .refine((a) => a !== 'CUSTOM', { message: 'CUSTOM (external authorization) is not supported' }),
  rules: z
    .array(
      z.strictObject({
        from: z.array(z.strictObject({ source })).optional(),
        to: z.array(z.strictObject({ operation })).optional(),
      }),
    )
    .optional(),
});
export type AuthorizationPolicySpec = z.infer<typeof authorizationPolicySpec>;

export const metadataSchema = z.object({
  name: z.string().min(1),
  namespace: z.string().min(1).optional(),
  labels: labels.optional(),
  annotations: labels.optional(),
});

export const SPECS = {
  VirtualService: {
    apiVersions: ['networking.istio.io/v1', 'networking.istio.io/v1beta1', 'networking.istio.io/v1alpha3'],
    spec: virtualServiceSpec,
  },
  DestinationRule: {
    apiVersions: ['networking.istio.io/v1', 'networking.istio.io/v1beta1', 'networking.istio.io/v1alpha3'],
    spec: destinationRuleSpec,
  },
  ServiceEntry: {
    apiVersions: ['networking.istio.io/v1', 'networking.istio.io/v1beta1', 'networking.istio.io/v1alpha3'],
    spec: serviceEntrySpec,
  },
  LocalRateLimit: { apiVersions: ['meshscope.io/v1alpha1'], spec: localRateLimitSpec },
  PeerAuthentication: {
    apiVersions: ['security.istio.io/v1', 'security.istio.io/v1beta1'],
    spec: peerAuthenticationSpec,
  },
  AuthorizationPolicy: {
    apiVersions: ['security.istio.io/v1', 'security.istio.io/v1beta1'],
    spec: authorizationPolicySpec,
  },
} as const;
export type ResourceKind = keyof typeof SPECS;

interface ResourceBase {
  name: string;
  namespace: string;
}
/** One validated resource from the configuration file. */
export type MeshResource =
  | (ResourceBase & { kind: 'VirtualService'; spec: VirtualServiceSpec })
  | (ResourceBase & { kind: 'DestinationRule'; spec: DestinationRuleSpec })
  | (ResourceBase & { kind: 'ServiceEntry'; spec: ServiceEntrySpec })
  | (ResourceBase & { kind: 'LocalRateLimit'; spec: LocalRateLimitSpec })
  | (ResourceBase & { kind: 'PeerAuthentication'; spec: PeerAuthenticationSpec })
  | (ResourceBase & { kind: 'AuthorizationPolicy'; spec: AuthorizationPolicySpec });
