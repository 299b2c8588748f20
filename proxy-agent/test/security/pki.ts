/** Test PKI: real CAs on disk (the same code `meshscope ca` runs) and workload certificate files. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initCa, type MeshCa } from '../../src/identity/ca.js';
import { tempDir } from '../helpers.js';

export const TD = 'cluster.local';
export const spiffe = (sa: string, ns = 'default') => `spiffe://${TD}/ns/${ns}/sa/${sa}`;

export interface WorkloadFiles {
  certFile: string;
  keyFile: string;
  bundleFile: string;
}

export async function newCa(trustDomain = TD): Promise<MeshCa> {
  return initCa(join(tempDir(), 'ca'), { trustDomain });
}

/** Writes key.pem / cert-chain.pem / root-cert.pem for `id`, as `meshscope ca issue` does. */
export async function workloadFiles(
  ca: MeshCa,
  id: string,
  window: { ttlMs?: number; notBefore?: Date; notAfter?: Date } = {},
  bundleFrom: MeshCa = ca,
): Promise<WorkloadFiles> {
  const dir = tempDir();
  const leaf = await ca.issueWithKey(id, window);
  const files = {
    certFile: join(dir, 'cert-chain.pem'),
    keyFile: join(dir, 'key.pem'),
    bundleFile: join(dir, 'root-cert.pem'),
  };
  writeFileSync(files.certFile, leaf.chainPem);
  writeFileSync(files.keyFile, leaf.keyPem, { mode: 0o600 });
  writeFileSync(files.bundleFile, await bundleFrom.bundlePem());
  return files;
}

/** ServiceEntry for an mTLS peer agent, its endpoint declaring the service account it runs as. */
export function meshServiceEntry(
  host: string,
  endpoints: Array<{ port: number; serviceAccount?: string; labels?: Record<string, string> }>,
  extra = '',
): string {
  const eps = endpoints
    .map(
      (e) =>
        `    - address: 127.0.0.1\n      ports: { http: ${e.port} }\n      labels: ${JSON.stringify(e.labels ?? {})}` +
        (e.serviceAccount ? `\n      serviceAccount: ${e.serviceAccount}` : ''),
    )
    .join('\n');
  return `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: ${host.split('.')[0]}, namespace: default }
spec:
  hosts: [${host}]
  location: MESH_INTERNAL
  resolution: STATIC
${extra}  ports: [{ number: 80, name: http, protocol: HTTP }]
  endpoints:
${eps}
`;
}
