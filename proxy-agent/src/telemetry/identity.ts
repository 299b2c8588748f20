/**
 * Workload identity and the peer-metadata header agents exchange (Istio does the same with
 * x-envoy-peer-metadata): the outbound agent tells the inbound one who is calling, the inbound agent
 * answers with who served, so both ends label their telemetry with both identities. With plaintext this
 * is a label, not a proof; mTLS (issue 5) makes the principal come from the peer certificate.
 */

export interface WorkloadIdentity {
  workload: string;
  namespace: string;
  app: string;
  version: string;
  /** SPIFFE ID, or 'unknown' without mTLS (Istio's value) */
  principal: string;
}

export const PEER_HEADER = 'x-meshscope-peer';

export const UNKNOWN = 'unknown';

export function encodePeer(id: WorkloadIdentity, principalKnown: boolean): string {
  const sa = principalKnown ? `;p=${id.principal}` : '';
  return `w=${id.workload};ns=${id.namespace};app=${id.app};v=${id.version}${sa}`;
}

const cache = new Map<string, WorkloadIdentity>();
const MAX_CACHED = 512;

/** Parses a peer header; memoised because a service sees the same few peers over and over. */
export function decodePeer(value: string | string[] | undefined): WorkloadIdentity | undefined {
  if (typeof value !== 'string' || value.length > 512) return undefined;
  const hit = cache.get(value);
  if (hit) return hit;
  const fields: Record<string, string> = {};
  for (const part of value.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields[part.slice(0, eq)] = part.slice(eq + 1);
  }
  if (!fields.w) return undefined;
  const id: WorkloadIdentity = {
    workload: fields.w,
    namespace: fields.ns || UNKNOWN,
    app: fields.app || UNKNOWN,
    version: fields.v || UNKNOWN,
    principal: fields.p || UNKNOWN,
  };
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(value, id);
  return id;
}

/** What the outbound agent knows about an endpoint before it answers: its labels. */
export function identityFromLabels(
  labels: Readonly<Record<string, string>>,
  namespace: string,
): WorkloadIdentity {
  const app = labels.app ?? UNKNOWN;
  const version = labels.version ?? UNKNOWN;
  const workload = labels.workload ?? (app !== UNKNOWN && version !== UNKNOWN ? `${app}-${version}` : app);
  return { workload, namespace, app, version, principal: UNKNOWN };
}
