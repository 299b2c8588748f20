import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { caCommand } from '../src/commands/ca.js';

function openssl(...args: string[]): string {
  return execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('meshscope ca init / issue / token', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'meshscope-ca-')), 'ca');
  const out = join(dir, '..', 'leaf');

  it('init writes a root and an intermediate, keys mode 0600, and refuses to overwrite', async () => {
    await caCommand(['init', '--trust-domain', 'cluster.local', '--dir', dir]);
    for (const key of ['root-key.pem', 'ca-key.pem'])
      expect(statSync(join(dir, key)).mode & 0o777).toBe(0o600);
    const verified = openssl('verify', '-CAfile', join(dir, 'root-cert.pem'), join(dir, 'ca-cert.pem'));
    expect(verified).toContain('OK');
    expect(openssl('x509', '-in', join(dir, 'ca-cert.pem'), '-noout', '-text')).toMatch(/CA:TRUE, pathlen:0/);
    await expect(caCommand(['init', '--trust-domain', 'cluster.local', '--dir', dir])).rejects.toThrow(
      /already holds a CA.*--force/,
    );
  });

  it('issue writes a leaf with the SPIFFE ID as URI SAN that chains to the root', async () => {
    const id = 'spiffe://cluster.local/ns/default/sa/reviews';
    await caCommand(['issue', '--id', id, '--ttl', '2h', '--dir', dir, '--out', out]);
    expect(statSync(join(out, 'key.pem')).mode & 0o777).toBe(0o600);
    const text = openssl('x509', '-in', join(out, 'cert-chain.pem'), '-noout', '-text');
    expect(text).toContain(`URI:${id}`);
    expect(text).toMatch(/TLS Web Server Authentication, TLS Web Client Authentication/);
    const verified = openssl(
      'verify',
      '-CAfile',
      join(out, 'root-cert.pem'),
      '-untrusted',
      join(dir, 'ca-cert.pem'),
      join(out, 'cert-chain.pem'),
    );
    expect(verified).toContain('OK');
    // the key on disk is the leaf's key
    const pubFromKey = openssl('pkey', '-in', join(out, 'key.pem'), '-pubout');
    const pubFromCert = openssl('x509', '-in', join(out, 'cert-chain.pem'), '-noout', '-pubkey');
    expect(pubFromKey).toBe(pubFromCert);
    const endDate = new Date(
      openssl('x509', '-in', join(out, 'cert-chain.pem'), '-noout', '-enddate').split('=')[1] ?? '',
    );
    expect(Math.abs(endDate.getTime() - Date.now() - 2 * 3_600_000)).toBeLessThan(60_000);
  });

  it('refuses an ID outside the trust domain and a malformed one', async () => {
    await expect(
      caCommand(['issue', '--id', 'spiffe://other.domain/ns/default/sa/x', '--dir', dir, '--out', out]),
    ).rejects.toThrow(/outside this CA's trust domain cluster.local/);
    await expect(caCommand(['issue', '--id', 'reviews', '--dir', dir])).rejects.toThrow(/not of the form/);
  });

  it('serve refuses a --san that is neither a DNS name nor an IP address', async () => {
    await expect(caCommand(['serve', '--dir', dir, '--port', '0', '--san', 'bad name/x'])).rejects.toThrow(
      /--san "bad name\/x" is neither a DNS name nor an IP address/,
    );
  });

  it('token stores only a digest of the token it prints', async () => {
    const chunks: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = (c: string) => (chunks.push(c), true);
    try {
      await caCommand(['token', '--id', 'spiffe://cluster.local/ns/default/sa/reviews', '--dir', dir]);
    } finally {
      process.stdout.write = write;
    }
    const token = chunks.join('').trim();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const stored = readFileSync(join(dir, 'tokens.json'), 'utf8');
    expect(stored).not.toContain(token);
    expect(stored).toContain('spiffe://cluster.local/ns/default/sa/reviews');
    expect(statSync(join(dir, 'tokens.json')).mode & 0o777).toBe(0o600);
  });
});
