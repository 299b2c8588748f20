/**
 * Which connections this workload accepts, from the PeerAuthentication policies (Istio's precedence: a
 * workload-selector policy over the namespace-wide one over the mesh-wide one in the root namespace; UNSET
 * inherits, and all UNSET is PERMISSIVE; portLevelMtls of the selecting policy wins for its port).
 */
import type { MtlsMode, PeerAuthenticationModel } from '../config/model.js';

export type PeerMode = Exclude<MtlsMode, 'UNSET'>;

/** Istio's root namespace: policies there without a selector apply to the whole mesh. */
export const ROOT_NAMESPACE = 'istio-system';

export function selects(
  selector: Readonly<Record<string, string>> | undefined,
  labels: Readonly<Record<string, string>>,
): boolean {
  if (!selector) return true;
  for (const k in selector) if (labels[k] !== selector[k]) return false;
  return true;
}

export function resolvePeerMode(
  policies: readonly PeerAuthenticationModel[],
  workload: { namespace: string; labels: Readonly<Record<string, string>>; port: number | undefined },
): PeerMode {
  const mesh = policies.find((p) => p.namespace === ROOT_NAMESPACE && !p.selector);
  const namespaceWide = policies.find((p) => p.namespace === workload.namespace && !p.selector);
  const selecting = policies.find(
    (p) => p.namespace === workload.namespace && p.selector && selects(p.selector, workload.labels),
  );
  let mode: MtlsMode = 'UNSET';
  for (const p of [mesh, namespaceWide, selecting]) if (p && p.mode !== 'UNSET') mode = p.mode;
  const portMode = workload.port !== undefined ? selecting?.portModes.get(workload.port) : undefined;
  if (portMode && portMode !== 'UNSET') mode = portMode;
  return mode === 'UNSET' ? 'PERMISSIVE' : mode;
}
