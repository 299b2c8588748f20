import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCsr, postCsr } from '../../src/identity/ca-client.js';
import { initCa, type MeshCa } from '../../src/identity/ca.js';
import { type CaServer, startCaServer } from '../../src/identity/ca-server.js';
import { createToken } from '../../src/identity/tokens.js';
import { generateKeyPair, parsePemBundle, uriSans } from '../../src/identity/x509.js';
import { obtainCertificate } from '../../src/identity/ca-client.js';
import { memoryLogger } from '../helpers.js';

const REVIEWS = 'spiffe://cluster.local/ns/default/sa/reviews';
const RATINGS = 'spiffe://cluster.local/ns/default/sa/ratings';

describe('ca serve', () => {
  let ca: MeshCa;
  let server: CaServer;
  let bundlePem: string;
  let token: string;
  const { logger, lines } = memoryLogger();

  beforeAll(async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'meshscope-ca-')), 'ca');
    ca = await initCa(dir, { trustDomain: 'cluster.local' });
    bundlePem = await ca.bundlePem();
    token = await createToken(dir, REVIEWS);
    server = await startCaServer({ ca, host: '127.0.0.1', port: 0, maxTtlMs: 3_600_000, log: logger });
  });
  afterAll(() => server.close());

  it('signs a CSR for the identity the token grants, capped at the longest lifetime', async () => {
    const got = await obtainCertificate({
      caUrl: server.url,
      bundlePem,
      id: REVIEWS,
      token,
      ttlSeconds: 86_400,
    });
    const [leaf, issuer] = parsePemBundle(got.chainPem);
    expect(leaf && uriSans(leaf)).toEqual([REVIEWS]);
    expect(issuer?.subject).toContain('intermediate');
    expect(got.notAfter.getTime() - Date.now()).toBeLessThanOrEqual(3_600_000);
    expect(got.notAfter.getTime() - Date.now()).toBeGreaterThan(3_500_000);
    expect(got.bundlePem).toBe(bundlePem);
    expect(got.keyPem).toContain('PRIVATE KEY');
    // renewal: the current certificate is the credential, no token needed
    const renewed = await obtainCertificate({ caUrl: server.url, bundlePem, id: REVIEWS, current: got });
    expect(uriSans(parsePemBundle(renewed.chainPem)[0]!)).toEqual([REVIEWS]);
  });

  it('refuses an unknown token (401) and a CSR for an identity the token does not grant (403)', async () => {
    const keys = await generateKeyPair();
    await expect(
      postCsr({ caUrl: server.url, bundlePem, token: 'not-a-token' }, await createCsr(REVIEWS, keys)),
    ).rejects.toMatchObject({
      status: 401,
      message: expect.stringMatching(/bootstrap token not recognised/) as unknown,
    });
    await expect(
      postCsr({ caUrl: server.url, bundlePem, token }, await createCsr(RATINGS, keys)),
    ).rejects.toMatchObject({
      status: 403,
      message: `the credential grants ${REVIEWS}, the csr asks for ${RATINGS}`,
    });
    await expect(
      postCsr({ caUrl: server.url, bundlePem }, await createCsr(REVIEWS, keys)),
    ).rejects.toMatchObject({
      status: 401,
    });
    await expect(postCsr({ caUrl: server.url, bundlePem, token }, 'garbage')).rejects.toMatchObject({
      status: 400,
    });
    const refusals = lines.filter((l) => l.msg === 'ca request refused');
    expect(refusals.length).toBeGreaterThanOrEqual(4);
    // the log never carries the token
    expect(JSON.stringify(lines)).not.toContain(token);
  });

  it('names each --san in its HTTPS certificate, so agents can reach it by a service name', async () => {
    const named = await startCaServer({
      ca,
      host: '127.0.0.1',
      port: 0,
      sans: ['meshscope-ca.meshscope.svc', '10.96.0.12'],
      log: logger,
    });
    try {
      const cert = await new Promise<tls.PeerCertificate>((resolve, reject) => {
        const s = tls.connect(
          { host: '127.0.0.1', port: named.port, servername: 'meshscope-ca.meshscope.svc', ca: bundlePem },
          () => {
            resolve(s.getPeerCertificate());
            s.end();
          },
        );
        s.on('error', reject);
      });
      expect(tls.checkServerIdentity('meshscope-ca.meshscope.svc', cert)).toBeUndefined();
      expect(cert.subjectaltname).toContain('IP Address:10.96.0.12');
      expect(tls.checkServerIdentity('other.meshscope.svc', cert)).toBeInstanceOf(Error);
      // the first server was given no --san: its certificate does not carry the name
      const plain = await new Promise<tls.PeerCertificate>((resolve, reject) => {
        const s = tls.connect({ host: '127.0.0.1', port: server.port, ca: bundlePem }, () => {
          resolve(s.getPeerCertificate());
          s.end();
        });
        s.on('error', reject);
      });
      expect(tls.checkServerIdentity('meshscope-ca.meshscope.svc', plain)).toBeInstanceOf(Error);
    } finally {
      await named.close();
    }
  });
});
