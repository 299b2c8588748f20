/**
 * AuthorizationPolicy evaluation, Istio's order: a matching DENY policy denies; with no ALLOW policy the
 * request is allowed; otherwise one ALLOW policy must match. AUDIT policies never change the decision, they
 * mark the request. Pure: the request's facts in, a decision out.
 */
import type { AuthorizationPolicyModel, AuthzFields, ValuePattern } from '../config/model.js';
import { parseSpiffeId, principalName } from '../identity/spiffe.js';
import { ROOT_NAMESPACE, selects } from './peer-authentication.js';

export interface AuthzRequest {
  /** the caller's verified SPIFFE ID, '' without mTLS */
  principal: string;
  host: string;
  port: number | undefined;
  method: string;
  /** without the query string */
  path: string;
}

export interface AuthzDecision {
  allowed: boolean;
  /** the policy that decided (the DENY that matched; undefined when no ALLOW matched or none exist) */
  policy: string | undefined;
  /** AUDIT policies that matched */
  audited: readonly string[];
}

/** The policies that apply to one workload, split by action (computed once per configuration). */
export interface WorkloadPolicies {
  deny: readonly AuthorizationPolicyModel[];
  allow: readonly AuthorizationPolicyModel[];
  audit: readonly AuthorizationPolicyModel[];
}

export function policiesFor(
  all: readonly AuthorizationPolicyModel[],
  workload: { namespace: string; labels: Readonly<Record<string, string>> },
): WorkloadPolicies {
  const mine = all.filter(
    (p) =>
      (p.namespace === workload.namespace || p.namespace === ROOT_NAMESPACE) &&
      selects(p.selector, workload.labels),
  );
  return {
    deny: mine.filter((p) => p.action === 'DENY'),
    allow: mine.filter((p) => p.action === 'ALLOW'),
    audit: mine.filter((p) => p.action === 'AUDIT'),
  };
}

export function matchPattern(p: ValuePattern, v: string): boolean {
  switch (p.kind) {
    case 'exact':
      return v === p.value;
    case 'prefix':
      return v.startsWith(p.value);
    case 'suffix':
      return v.endsWith(p.value);
    case 'present':
      return v !== '';
  }
}

interface Facts {
  principal: string;
  namespace: string;
  host: string;
  hostNoPort: string;
  port: string;
  method: string;
  path: string;
}

function value(f: Facts, field: AuthzFields[number]['field'], pattern: ValuePattern): boolean {
  if (field === 'host') return matchPattern(pattern, f.host) || matchPattern(pattern, f.hostNoPort);
  return matchPattern(pattern, f[field]);
}

function fieldsMatch(fields: AuthzFields, f: Facts): boolean {
  for (const { field, negate, patterns } of fields) {
    const any = patterns.some((p) => value(f, field, p));
    if (any === negate) return false;
  }
  return true;
}

function policyMatches(policy: AuthorizationPolicyModel, f: Facts): boolean {
  return policy.rules.some(
    (r) =>
      (r.from.length === 0 || r.from.some((s) => fieldsMatch(s, f))) &&
      (r.to.length === 0 || r.to.some((o) => fieldsMatch(o, f))),
  );
}

export function authorize(policies: WorkloadPolicies, req: AuthzRequest): AuthzDecision {
  const none = policies.deny.length === 0 && policies.allow.length === 0 && policies.audit.length === 0;
  if (none) return { allowed: true, policy: undefined, audited: [] };
  const host = req.host.toLowerCase();
  const facts: Facts = {
    principal: req.principal ? principalName(req.principal) : '',
    namespace: req.principal ? (parseSpiffeId(req.principal)?.namespace ?? '') : '',
    host,
    hostNoPort: host.replace(/:\d+$/, ''),
    port: req.port === undefined ? '' : String(req.port),
    method: req.method,
    path: req.path,
  };
  const audited = policies.audit.filter((p) => policyMatches(p, facts)).map((p) => p.name);
  const denied = policies.deny.find((p) => policyMatches(p, facts));
  if (denied) return { allowed: false, policy: denied.name, audited };
  if (policies.allow.length === 0) return { allowed: true, policy: undefined, audited };
  const allowed = policies.allow.find((p) => policyMatches(p, facts));
  return { allowed: allowed !== undefined, policy: allowed?.name, audited };
}
