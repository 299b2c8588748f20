/**
 * X.509 with @peculiar/x509 over Node's WebCrypto: ECDSA P-256 keys (what Istio's CA issues by default
 * for workloads is RSA 2048; P-256 signs and handshakes several times faster and every TLS stack accepts it).
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

// The library types WebCrypto with the DOM lib's `Crypto`; Node's implementation is the same API.
x509.cryptoProvider.set(webcrypto as never);

export { x509 };
export type CryptoKey = webcrypto.CryptoKey;
export type CryptoKeyPair = webcrypto.CryptoKeyPair;

export const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export function generateKeyPair(): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
}

export async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

export async function importKeyPair(pem: string): Promise<CryptoKeyPair> {
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
export function parsePemBundle(pem: string): x509.X509Certificate[] {
  return x509.PemConverter.decode(pem).map((der) => new x509.X509Certificate(der));
}

export function toPem(certs: readonly x509.X509Certificate[]): string {
  return certs.map((c) => `${c.toString('pem')}\n`).join('');
}

/** URI SANs of a certificate or CSR. */
export function uriSans(item: { extensions: readonly x509.Extension[] }): string[] {
  const ext = item.extensions.find((e) => e.type === '2.5.29.17');
  if (!ext) return [];
  const san = new x509.SubjectAlternativeNameExtension(ext.rawData);
  return san.names.items.filter((n) => n.type === 'url').map((n) => n.value);
}
