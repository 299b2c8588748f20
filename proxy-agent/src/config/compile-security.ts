/** PeerAuthentication and AuthorizationPolicy, compiled for the inbound path. */
import type {
  AuthorizationPolicyModel,
  AuthzFields,
  AuthzRule,
  PeerAuthenticationModel,
  ValuePattern,
} from './model.js';
import type { AuthorizationPolicySpec, PeerAuthenticationSpec } from './resources.js';

export function compilePeerAuthentication(
  name: string,
  namespace: string,
  spec: PeerAuthenticationSpec,
): PeerAuthenticationModel {
  return {
    name,
    namespace,
    selector: spec.selector?.matchLabels,
    mode: spec.mtls?.mode ?? 'UNSET',
    portModes: new Map(Object.entries(spec.portLevelMtls ?? {}).map(([port, m]) => [Number(port), m.mode])),
  };
}

/** Istio principals are written without the scheme; accept either spelling. */
function stripScheme(v: string): string {
  return v.startsWith('spiffe://') ? v.slice(9) : v;
}

export function compilePattern(raw: string, lower = false): ValuePattern {
  const v = lower ? raw.toLowerCase() : raw;
  if (v === '*') return { kind: 'present' };
  if (v.endsWith('*')) return { kind: 'prefix', value: v.slice(0, -1) };
  if (v.startsWith('*')) return { kind: 'suffix', value: v.slice(1) };
  return { kind: 'exact', value: v };
}

type Field = AuthzFields[number]['field'];

function fields(
  spec: Record<string, string[] | undefined>,
  map: Record<string, [Field, boolean]>,
): AuthzFields {
  const out: Array<AuthzFields[number]> = [];
  for (const [key, [field, negate]] of Object.entries(map)) {
    const list = spec[key];
    if (!list) continue;
    const lower = field === 'host';
    out.push({
      field,
      negate,
      patterns: list.map((v) => compilePattern(field === 'principal' ? stripScheme(v) : v, lower)),
    });
  }
  return out;
}

const SOURCE_FIELDS: Record<string, [Field, boolean]> = {
  principals: ['principal', false],
  notPrincipals: ['principal', true],
  namespaces: ['namespace', false],
  notNamespaces: ['namespace', true],
};
const OPERATION_FIELDS: Record<string, [Field, boolean]> = {
  hosts: ['host', false],
  notHosts: ['host', true],
  ports: ['port', false],
  notPorts: ['port', true],
  methods: ['method', false],
  notMethods: ['method', true],
  paths: ['path', false],
  notPaths: ['path', true],
};

export function compileAuthorizationPolicy(
  name: string,
  namespace: string,
  spec: AuthorizationPolicySpec,
): AuthorizationPolicyModel {
  const rules: AuthzRule[] = (spec.rules ?? []).map((r) => ({
    from: (r.from ?? []).map((f) => fields(f.source, SOURCE_FIELDS)),
    to: (r.to ?? []).map((t) => fields(t.operation, OPERATION_FIELDS)),
  }));
  return {
    name: `${namespace}/${name}`,
    namespace,
    selector: spec.selector?.matchLabels,
    action: spec.action,
    rules,
  };
}
