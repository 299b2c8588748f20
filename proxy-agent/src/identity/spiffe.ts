/**
 * SPIFFE IDs as Istio uses them: `spiffe://<trust domain>/ns/<namespace>/sa/<service account>`, carried as
 * the one URI SAN of a workload certificate.
 */

export interface SpiffeId {
  trustDomain: string;
  namespace: string;
  serviceAccount: string;
}

const SPIFFE = /^spiffe:\/\/([a-z0-9._-]+)\/ns\/([^/]+)\/sa\/([^/]+)$/;

export function parseSpiffeId(uri: string): SpiffeId | undefined {
  const m = SPIFFE.exec(uri);
  if (!m) return undefined;
  return { trustDomain: m[1] ?? '', namespace: m[2] ?? '', serviceAccount: m[3] ?? '' };
}

export function formatSpiffeId(id: SpiffeId): string {
  return `spiffe://${id.trustDomain}/ns/${id.namespace}/sa/${id.serviceAccount}`;
}

/**
 * The SPIFFE ID of a peer certificate as Node reports it (`subjectaltname: 'URI:spiffe://…, DNS:…'`).
 * A workload certificate carries exactly one; none or several is no identity.
 */
export function spiffeIdOfSan(subjectaltname: string | undefined): string | undefined {
  if (!subjectaltname) return undefined;
  let found: string | undefined;
  for (const part of subjectaltname.split(', ')) {
    if (!part.startsWith('URI:spiffe://')) continue;
    if (found !== undefined) return undefined;
    found = part.slice(4);
  }
  return found;
}

/** Istio writes principals without the scheme: `cluster.local/ns/default/sa/sleep`. */
export function principalName(spiffeId: string): string {
  return spiffeId.startsWith('spiffe://') ? spiffeId.slice(9) : spiffeId;
}
