import { access, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CA_FILES, formatSpiffeId, initCa, MeshCa, writePrivate } from '@meshscope/proxy-agent';
import { DEMO_NAMESPACE, DEMO_TRUST_DOMAIN } from './mesh.js';

/** The files an agent's `tls` section points at. */
export interface LeafFiles {
  bundleFile: string;
  certFile: string;
  keyFile: string;
}

/** The demo's mesh CA in `dir` (created on first use, kept across restarts like a real one). */
export async function demoCa(dir: string): Promise<MeshCa> {
  const exists = await access(join(dir, CA_FILES.meta)).then(
    () => true,
    () => false,
  );
  return exists ? MeshCa.load(dir) : initCa(dir, { trustDomain: DEMO_TRUST_DOMAIN });
}

/** Issues a fresh leaf for a service account of the demo namespace and writes it under `dir/<sa>`. */
export async function issueLeaf(ca: MeshCa, dir: string, serviceAccount: string): Promise<LeafFiles> {
  const id = formatSpiffeId({
    trustDomain: ca.trustDomain,
    namespace: DEMO_NAMESPACE,
    serviceAccount,
  });
  const leaf = await ca.issueWithKey(id);
  const out = join(dir, serviceAccount);
  await mkdir(out, { recursive: true, mode: 0o700 });
  const files = {
    keyFile: join(out, 'key.pem'),
    certFile: join(out, 'cert-chain.pem'),
    bundleFile: join(out, 'root-cert.pem'),
  };
  await writePrivate(files.keyFile, leaf.keyPem);
  await writeFile(files.certFile, leaf.chainPem);
  await writeFile(files.bundleFile, leaf.bundlePem);
  return files;
}
