/**
 * The workload's certificate and trust bundle, and the TLS contexts built from them. The certificate comes
 * from files (re-read when they change) or from the CA endpoint (key generated in memory, renewed at two
 * thirds of the remaining lifetime it had when received, i.e. of its lifetime when fresh). Every change
 * builds new contexts: listeners swap theirs with `setSecureContext`, new upstream connections take the new
 * client context, and connections already open keep going on the old one until they close.
 */
import { readFile } from 'node:fs/promises';
import tls from 'node:tls';
import type { Logger } from 'pino';
import type { AgentConfig } from '../config/agent-config.js';
import { FileWatcher } from '../registry/file-watcher.js';
import { obtainCertificate } from './ca-client.js';
import { spiffeIdOfSan } from './spiffe.js';
import { loadX509, parsePemBundle, uriSans } from './x509.js';

type TlsConfig = NonNullable<AgentConfig['tls']>;

export interface CertMaterial {
  chainPem: string;
  keyPem: string;
  bundlePem: string;
  notAfter: Date;
}

/** TLS 1.3 preferred, 1.2 accepted (Istio's default minimum). */
export const MIN_TLS_VERSION = 'TLSv1.2';

const RETRY_MAX_MS = 30_000;

export class WorkloadCertificate {
  private material: CertMaterial | undefined;
  private client: tls.SecureContext | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  private readonly watchers: FileWatcher[] = [];
  private readonly listeners: Array<() => void> = [];
  private closed = false;
  /** how many times the certificate or bundle changed after start */
  rotations = 0;

  constructor(
    private readonly config: TlsConfig,
    /** our SPIFFE ID: a certificate for another identity is refused */
    readonly id: string,
    private readonly log: Logger,
    private readonly debounceMs = 100,
  ) {}

  /** Obtains the first certificate; throws with a sentence naming the file or endpoint at fault. */
  async start(): Promise<void> {
    await loadX509();
    this.install(await this.load(), 'start');
    const c = this.config;
    const files = c.certFile && c.keyFile ? [c.certFile, c.keyFile, c.bundleFile] : [c.bundleFile];
    for (const f of files)
      this.watchers.push(new FileWatcher(f, this.debounceMs, () => void this.reloadFromFiles()));
  }

  get notAfter(): Date {
    return this.current.notAfter;
  }

  private get current(): CertMaterial {
    if (!this.material) throw new Error('workload certificate not started');
    return this.material;
  }

  /** Options for a listener's secure context (server side of mTLS). */
  serverOptions(): tls.SecureContextOptions {
    const m = this.current;
    return { cert: m.chainPem, key: m.keyPem, ca: m.bundlePem, minVersion: MIN_TLS_VERSION };
  }

  /** The context new upstream connections use; rebuilt once per rotation, shared by all connections. */
  clientContext(): tls.SecureContext {
    this.client ??= tls.createSecureContext(this.serverOptions());
    return this.client;
  }

  /** Called after every swap of certificate or bundle. */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  private async load(current?: CertMaterial): Promise<CertMaterial> {
    const c = this.config;
    const bundlePem = await readText(c.bundleFile, 'tls.bundleFile');
    if (parsePemBundle(bundlePem).length === 0)
      throw new Error(`tls.bundleFile ${c.bundleFile} holds no PEM certificate`);
    if (c.certFile && c.keyFile) {
      const chainPem = await readText(c.certFile, 'tls.certFile');
      const keyPem = await readText(c.keyFile, 'tls.keyFile');
      return { chainPem, keyPem, bundlePem, notAfter: this.check(chainPem, c.certFile) };
    }
    const caUrl = c.caUrl ?? '';
    // The bootstrap token proves who we are the first time; afterwards the valid certificate does.
    const valid = current && current.notAfter.getTime() > Date.now() + 1000;
    const token = valid ? undefined : (await readText(c.tokenFile ?? '', 'tls.tokenFile')).trim();
    const got = await obtainCertificate({
      caUrl,
      bundlePem,
      id: this.id,
      token,
      current: valid ? current : undefined,
      ttlSeconds: c.certTtlSeconds,
    });
    // The CA's answer carries its anchors; the bundle file stays the authority on what we trust.
    return {
      chainPem: got.chainPem,
      keyPem: got.keyPem,
      bundlePem,
      notAfter: this.check(got.chainPem, caUrl),
    };
  }

  /** The leaf must name our SPIFFE ID; returns its expiry. */
  private check(chainPem: string, source: string): Date {
    const [leaf] = parsePemBundle(chainPem);
    if (!leaf) throw new Error(`${source}: no certificate`);
    const ids = uriSans(leaf).filter((u) => u.startsWith('spiffe://'));
    if (ids.length !== 1 || ids[0] !== this.id)
      throw new Error(
        `${source}: the certificate is for ${ids.join(', ') || 'no SPIFFE ID'}, this workload is ${this.id}`,
      );
    return leaf.notAfter;
  }

  private install(m: CertMaterial, why: string): void {
    // Build first: a key that does not match its certificate throws here, before anything is swapped.
    const client = tls.createSecureContext({
      cert: m.chainPem,
      key: m.keyPem,
      ca: m.bundlePem,
      minVersion: MIN_TLS_VERSION,
    });
    this.material = m;
    this.client = client;
    if (why !== 'start') this.rotations++;
    this.log.info({ id: this.id, notAfter: m.notAfter.toISOString(), why }, 'workload certificate in use');
    if (m.notAfter.getTime() <= Date.now())
      this.log.error(
        { id: this.id, notAfter: m.notAfter.toISOString() },
        'workload certificate has expired: peers will refuse it until it is replaced',
      );
    for (const l of this.listeners) l();
    if (this.config.caUrl && why !== 'files changed')
      this.scheduleRenewal(Date.now() + ((m.notAfter.getTime() - Date.now()) * 2) / 3);
  }

  private scheduleRenewal(atMs: number): void {
    if (this.closed) return;
    if (this.renewTimer) clearTimeout(this.renewTimer);
    this.renewTimer = setTimeout(() => void this.renew(), Math.max(0, atMs - Date.now()));
  }

  private async renew(): Promise<void> {
    this.renewTimer = undefined;
    try {
      const m = await this.load(this.material);
      if (!this.closed) this.install(m, 'renewed');
    } catch (e) {
      const left = this.current.notAfter.getTime() - Date.now();
      const retryMs = Math.min(RETRY_MAX_MS, Math.max(200, left / 10));
      this.log.warn({ err: (e as Error).message, retryMs }, 'certificate renewal failed, retrying');
      this.scheduleRenewal(Date.now() + retryMs);
    }
  }

  private async reloadFromFiles(): Promise<void> {
    if (this.closed) return;
    try {
      const c = this.config;
      const m: CertMaterial =
        c.certFile && c.keyFile
          ? await this.load()
          : { ...this.current, bundlePem: await readText(c.bundleFile, 'tls.bundleFile') };
      if (parsePemBundle(m.bundlePem).length === 0)
        throw new Error(`${c.bundleFile} holds no PEM certificate`);
      this.install(m, 'files changed');
    } catch (e) {
      this.log.error({ err: (e as Error).message }, 'certificate files rejected, keeping the current ones');
    }
  }

  close(): void {
    this.closed = true;
    if (this.renewTimer) clearTimeout(this.renewTimer);
    for (const w of this.watchers) w.close();
  }
}

async function readText(path: string, key: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new Error(
      `${key}: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      { cause: e },
    );
  }
}

/** The SPIFFE ID of a verified peer certificate, or undefined. */
export function peerSpiffeId(socket: tls.TLSSocket): string | undefined {
  return spiffeIdOfSan(socket.getPeerCertificate().subjectaltname);
}
