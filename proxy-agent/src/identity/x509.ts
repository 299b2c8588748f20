/**
 * X.509 with @peculiar/x509 over Node's WebCrypto: ECDSA P-256 keys (what Istio's CA issues by default
 * for workloads is RSA 2048; P-256 signs and handshakes several times faster and every TLS stack accepts it).
 */
import { webcrypto } from 'node:crypto';
import type * as X509 from '@peculiar/x509';

/**
 * The library, loaded by `loadX509()` (a live binding: importers see it once loaded). It and its Reflect
 * polyfill cost ~7 MB of RSS, which an agent without TLS never needs, so nothing loads them at import
 * time: every entry point that handles certificates (CA, CA client, workload certificate) awaits
 * `loadX509()` first.
 */
export let x509: typeof X509 = undefined as unknown as typeof X509;
let loading: Promise<typeof X509> | undefined;

export function loadX509(): Promise<typeof X509> {
  loading ??= (async () => {
    await import('reflect-metadata');
    const lib = await import('@peculiar/x509');
    // The library types WebCrypto with the DOM lib's `Crypto`; Node's implementation is the same API.
    lib.cryptoProvider.set(webcrypto as never);
    x509 = lib;
    return lib;
  })();
  return loading;
}

function loaded(): typeof X509 {
  if (x509 === undefined) throw new Error('@peculiar/x509 used before loadX509()');
  return x509;
}
export type CryptoKey = webcrypto.CryptoKey;
export type CryptoKeyPair = webcrypto.CryptoKeyPair;

export const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export function generateKeyPair(): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
}

export async function privateKeyPem(key: CryptoKey): Promise<string> {
  const x509 = await loadX509();
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

export async function importKeyPair(pem: string): Promise<CryptoKeyPair> {
  const x509 = await loadX509();
  const der = x509.PemConverter.decodeFirst(pem);
  const privateKey = await webcrypto.subtle.importKey('pkcs8', der, KEY_ALGORITHM, true, ['sign']);
  // The public half, recovered from the JWK of the private key (drop `d`).
  const jwk = await webcrypto.subtle.exportKey('jwk', privateKey);
  delete jwk.d;
  jwk.key_ops = ['verify'];
  const publicKey = await webcrypto.subtle.importKey('jwk', jwk, KEY_ALGORITHM, true, ['verify']);
  return { privateKey, publicKey };
}

/** Every certificate in a PEM bundle, in order. */
export function parsePemBundle(pem: string): X509.X509Certificate[] {
  const x509 = loaded();
  return x509.PemConverter.decode(pem).map((der) => new x509.X509Certificate(der));
}

export function toPem(certs: readonly X509.X509Certificate[]): string {
  return certs.map((c) => `${c.toString('pem')}\n`).join('');
}

/** URI SANs of a certificate or CSR. */
export function uriSans(item: { extensions: readonly X509.Extension[] }): string[] {
  const x509 = loaded();
  const ext = item.extensions.find((e) => e.type === '2.5.29.17');
  if (!ext) return [];
  const san = new x509.SubjectAlternativeNameExtension(ext.rawData);
  return san.names.items.filter((n) => n.type === 'url').map((n) => n.value);
}
