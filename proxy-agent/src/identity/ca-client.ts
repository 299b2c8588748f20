/**
 * The agent's side of `ca serve`: a key generated in memory (never written anywhere), a CSR naming our
 * SPIFFE ID, and the signed chain back.
 */
import https from 'node:https';
import { CaRefusal } from './ca.js';
import { type CryptoKeyPair, generateKeyPair, KEY_ALGORITHM, loadX509, privateKeyPem } from './x509.js';

export interface CaClientOptions {
  caUrl: string;
  /** anchors that must sign the CA endpoint's certificate */
  bundlePem: string;
  id: string;
  /** bootstrap token; omitted when renewing with `current` */
  token?: string;
  /** the certificate being renewed, presented as client certificate */
  current?: { chainPem: string; keyPem: string };
  ttlSeconds?: number;
  timeoutMs?: number;
}

export interface ObtainedCertificate {
  chainPem: string;
  keyPem: string;
  bundlePem: string;
  notAfter: Date;
}

export async function createCsr(id: string, keys: CryptoKeyPair): Promise<string> {
  const x509 = await loadX509();
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    keys,
    signingAlgorithm: KEY_ALGORITHM,
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'url', value: id }], true)],
  });
  return csr.toString('pem');
}

/** POSTs a CSR; resolves with the parsed answer or rejects with a CaRefusal carrying the CA's reason. */
export function postCsr(
  options: Omit<CaClientOptions, 'id'>,
  csrPem: string,
): Promise<{ certificateChain: string; trustBundle: string; notAfter: string }> {
  const url = new URL('/v1/certificates', options.caUrl);
  const body = JSON.stringify({ csr: csrPem, ttlSeconds: options.ttlSeconds });
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method: 'POST',
        ca: options.bundlePem,
        cert: options.current?.chainPem,
        key: options.current?.keyPem,
        minVersion: 'TLSv1.2',
        timeout: options.timeoutMs ?? 10_000,
        agent: false,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: Record<string, unknown> = {};
          try {
            parsed = JSON.parse(text) as Record<string, unknown>;
          } catch {
            // reported below with the status
          }
          if (res.statusCode === 200 && typeof parsed.certificateChain === 'string')
            resolve(parsed as { certificateChain: string; trustBundle: string; notAfter: string });
          else
            reject(
              new CaRefusal(
                res.statusCode ?? 0,
                typeof parsed.error === 'string' ? parsed.error : `CA answered ${res.statusCode ?? 0}`,
              ),
            );
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`CA at ${options.caUrl} did not answer in time`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** A fresh key and a certificate for it from the CA. */
export async function obtainCertificate(options: CaClientOptions): Promise<ObtainedCertificate> {
  const keys = await generateKeyPair();
  const answer = await postCsr(options, await createCsr(options.id, keys));
  return {
    chainPem: answer.certificateChain,
    keyPem: await privateKeyPem(keys.privateKey),
    bundlePem: answer.trustBundle,
    notAfter: new Date(answer.notAfter),
  };
}
