/**
 * The mesh CA: a trust anchor (root) that signs an issuer (intermediate) that signs workload leaves. Files
 * use the names Istio's plugged-in CA uses (`root-cert.pem`, `ca-cert.pem`, `ca-key.pem`, `cert-chain.pem`),
 * so an operator can bring keys made for Istio. Private keys are written 0600 and never logged.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as X509 from '@peculiar/x509';
import { formatSpiffeId, parseSpiffeId } from './spiffe.js';
import {
  type CryptoKey,
  generateKeyPair,
  importKeyPair,
  KEY_ALGORITHM,
  loadX509,
  parsePemBundle,
  privateKeyPem,
  toPem,
  uriSans,
  x509,
} from './x509.js';

export const CA_FILES = {
  rootCert: 'root-cert.pem',
  rootKey: 'root-key.pem',
  caCert: 'ca-cert.pem',
  caKey: 'ca-key.pem',
  certChain: 'cert-chain.pem',
  meta: 'ca.json',
  tokens: 'tokens.json',
} as const;

const HOUR_MS = 3_600_000;
export const DEFAULT_LEAF_TTL_MS = 24 * HOUR_MS;
const ROOT_TTL_MS = 10 * 365 * 24 * HOUR_MS;
const ISSUER_TTL_MS = 365 * 24 * HOUR_MS;
/** leaves are valid from a minute ago, so a peer whose clock is a little behind accepts them */
const BACKDATE_MS = 60_000;

/** A refusal the CA explains to the caller: HTTP status and a sentence. */
export class CaRefusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'CaRefusal';
  }
}

/** Writes a file readable by its owner only, atomically (a reader never sees half a key). */
export async function writePrivate(path: string, text: string): Promise<void> {
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, text, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

function serial(): string {
  // Positive 128-bit serial (RFC 5280 asks for at most 20 octets, positive).
  const b = randomBytes(16);
  b[0] = (b[0] ?? 0) & 0x7f;
  return b.toString('hex');
}

export interface InitOptions {
  trustDomain: string;
  /** overwrite an existing CA in dir */
  force?: boolean;
}

/** `meshscope ca init`: a root and an intermediate for `trustDomain`, written to `dir`. */
export async function initCa(dir: string, options: InitOptions): Promise<MeshCa> {
  await loadX509();
  if (!/^[a-z0-9._-]+$/.test(options.trustDomain))
    throw new CaRefusal(
      400,
      `trust domain "${options.trustDomain}" must be lowercase letters, digits, . _ -`,
    );
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (!options.force && (await exists(join(dir, CA_FILES.caKey))))
    throw new CaRefusal(409, `${dir} already holds a CA (${CA_FILES.caKey}); pass --force to replace it`);
  const now = Date.now();
  const td = options.trustDomain;
  const rootKeys = await generateKeyPair();
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `O=${td}, CN=meshscope root CA`,
    notBefore: new Date(now - BACKDATE_MS),
    notAfter: new Date(now + ROOT_TTL_MS),
    keys: rootKeys,
    signingAlgorithm: KEY_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 1, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(rootKeys.publicKey),
    ],
  });
  const issuerKeys = await generateKeyPair();
  const issuer = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `O=${td}, CN=meshscope intermediate CA`,
    issuer: root.subject,
    notBefore: new Date(now - BACKDATE_MS),
    notAfter: new Date(now + ISSUER_TTL_MS),
    publicKey: issuerKeys.publicKey,
    signingKey: rootKeys.privateKey,
    signingAlgorithm: KEY_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(issuerKeys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(rootKeys.publicKey),
    ],
  });
  await writePrivate(join(dir, CA_FILES.rootKey), await privateKeyPem(rootKeys.privateKey));
  await writePrivate(join(dir, CA_FILES.caKey), await privateKeyPem(issuerKeys.privateKey));
  await writeFile(join(dir, CA_FILES.rootCert), toPem([root]));
  await writeFile(join(dir, CA_FILES.caCert), toPem([issuer]));
  await writeFile(join(dir, CA_FILES.certChain), toPem([issuer, root]));
  await writeFile(join(dir, CA_FILES.meta), `${JSON.stringify({ trustDomain: td }, null, 2)}\n`);
  return MeshCa.load(dir);
}

export interface IssuedLeaf {
  certificate: X509.X509Certificate;
  /** leaf + intermediate, PEM: what a workload presents */
  chainPem: string;
  /** trust anchors, PEM */
  bundlePem: string;
}

export class MeshCa {
  private constructor(
    readonly dir: string,
    readonly trustDomain: string,
    private readonly issuer: X509.X509Certificate,
    private readonly issuerKey: CryptoKey,
  ) {}

  static async load(dir: string): Promise<MeshCa> {
    await loadX509();
    const read = (f: string) =>
      readFile(join(dir, f), 'utf8').catch(() => {
        throw new CaRefusal(500, `${join(dir, f)} is missing: run meshscope ca init --dir ${dir}`);
      });
    const meta = JSON.parse(await read(CA_FILES.meta)) as { trustDomain?: unknown };
    if (typeof meta.trustDomain !== 'string') throw new CaRefusal(500, `${CA_FILES.meta}: no trustDomain`);
    const [issuer] = parsePemBundle(await read(CA_FILES.caCert));
    if (!issuer) throw new CaRefusal(500, `${CA_FILES.caCert} holds no certificate`);
    const keys = await importKeyPair(await read(CA_FILES.caKey));
    return new MeshCa(dir, meta.trustDomain, issuer, keys.privateKey);
  }

  /** The trust anchors, re-read each time: appending a new root to root-cert.pem is how anchors rotate. */
  async bundlePem(): Promise<string> {
    return readFile(join(this.dir, CA_FILES.rootCert), 'utf8');
  }

  /** Refuses an ID that is not a SPIFFE workload ID of this trust domain. */
  checkId(id: string): void {
    const parsed = parseSpiffeId(id);
    if (!parsed)
      throw new CaRefusal(
        400,
        `"${id}" is not a SPIFFE ID of the form spiffe://<trust domain>/ns/<ns>/sa/<sa>`,
      );
    if (parsed.trustDomain !== this.trustDomain)
      throw new CaRefusal(403, `${id} is outside this CA's trust domain ${this.trustDomain}`);
  }

  /** Signs a leaf for `publicKey` with `id` as its only URI SAN. */
  async issue(
    id: string,
    publicKey: CryptoKey | X509.PublicKey,
    window: { ttlMs?: number; notBefore?: Date; notAfter?: Date } = {},
  ): Promise<IssuedLeaf> {
    this.checkId(id);
    const now = Date.now();
    const issuerEnd = this.issuer.notAfter.getTime();
    const notBefore =
      window.notBefore ?? new Date(Math.max(now - BACKDATE_MS, this.issuer.notBefore.getTime()));
    const notAfter =
      window.notAfter ?? new Date(Math.min(now + (window.ttlMs ?? DEFAULT_LEAF_TTL_MS), issuerEnd));
    const parsed = parseSpiffeId(id);
    const certificate = await x509.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject: `O=${this.trustDomain}`,
      issuer: this.issuer.subject,
      notBefore,
      notAfter,
      publicKey,
      signingKey: this.issuerKey,
      signingAlgorithm: KEY_ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
          true,
        ),
        new x509.ExtendedKeyUsageExtension([
          x509.ExtendedKeyUsage.serverAuth,
          x509.ExtendedKeyUsage.clientAuth,
        ]),
        new x509.SubjectAlternativeNameExtension(
          [{ type: 'url', value: parsed ? formatSpiffeId(parsed) : id }],
          true,
        ),
        await x509.AuthorityKeyIdentifierExtension.create(this.issuer.publicKey),
      ],
    });
    return { certificate, chainPem: toPem([certificate, this.issuer]), bundlePem: await this.bundlePem() };
  }

  /** `meshscope ca issue`: a fresh key and its leaf. */
  async issueWithKey(
    id: string,
    window: { ttlMs?: number; notBefore?: Date; notAfter?: Date } = {},
  ): Promise<IssuedLeaf & { keyPem: string }> {
    const keys = await generateKeyPair();
    const leaf = await this.issue(id, keys.publicKey, window);
    return { ...leaf, keyPem: await privateKeyPem(keys.privateKey) };
  }

  /** A certificate for the CA's own HTTPS endpoint (DNS/IP SANs, server auth only). */
  async serverCertificate(hosts: readonly string[]): Promise<{ chainPem: string; keyPem: string }> {
    const keys = await generateKeyPair();
    const now = Date.now();
    const names = hosts.map((h) =>
      /^[\d.]+$|:/.test(h) ? { type: 'ip' as const, value: h } : { type: 'dns' as const, value: h },
    );
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject: `O=${this.trustDomain}, CN=meshscope CA endpoint`,
      issuer: this.issuer.subject,
      notBefore: new Date(now - BACKDATE_MS),
      notAfter: new Date(Math.min(now + ISSUER_TTL_MS, this.issuer.notAfter.getTime())),
      publicKey: keys.publicKey,
      signingKey: this.issuerKey,
      signingAlgorithm: KEY_ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension(names),
      ],
    });
    return { chainPem: toPem([cert, this.issuer]), keyPem: await privateKeyPem(keys.privateKey) };
  }

  /**
   * Signs a CSR for `grantedId`, the identity its caller proved (bootstrap token or current certificate).
   * The CSR must be self-signed correctly and ask for exactly that ID; every other field is ignored.
   */
  async signCsr(csrPem: string, grantedId: string, ttlMs: number): Promise<IssuedLeaf> {
    await loadX509();
    let csr: X509.Pkcs10CertificateRequest;
    try {
      csr = new x509.Pkcs10CertificateRequest(csrPem);
    } catch {
      throw new CaRefusal(400, 'csr is not a PEM PKCS#10 certificate request');
    }
    if (!(await csr.verify())) throw new CaRefusal(400, 'csr signature does not verify');
    const asked = uriSans(csr);
    if (asked.length !== 1)
      throw new CaRefusal(
        400,
        `csr must ask for exactly one URI SAN (a SPIFFE ID), it asks for ${asked.length}`,
      );
    if (asked[0] !== grantedId)
      throw new CaRefusal(403, `the credential grants ${grantedId}, the csr asks for ${asked[0] ?? ''}`);
    return this.issue(grantedId, csr.publicKey, { ttlMs });
  }
}
