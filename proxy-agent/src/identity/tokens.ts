/**
 * Bootstrap tokens: each grants one SPIFFE ID, so a workload can obtain its first certificate. The CA keeps
 * only SHA-256 digests (tokens.json, 0600); the token itself is shown once, to whoever created it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CA_FILES, writePrivate } from './ca.js';

export interface TokenGrant {
  sha256: string;
  id: string;
  /** ISO time; absent = no expiry */
  expiresAt?: string;
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export async function loadTokens(dir: string): Promise<TokenGrant[]> {
  try {
    const parsed = JSON.parse(await readFile(join(dir, CA_FILES.tokens), 'utf8')) as {
      tokens?: TokenGrant[];
    };
    return Array.isArray(parsed.tokens) ? parsed.tokens : [];
  } catch {
    return [];
  }
}

/** Creates a token granting `id`; returns the token (the only time it exists outside its holder). */
export async function createToken(dir: string, id: string, ttlMs?: number): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  const tokens = await loadTokens(dir);
  const grant: TokenGrant = { sha256: digest(token), id };
  if (ttlMs !== undefined) grant.expiresAt = new Date(Date.now() + ttlMs).toISOString();
  tokens.push(grant);
  await writePrivate(join(dir, CA_FILES.tokens), `${JSON.stringify({ tokens }, null, 2)}\n`);
  return token;
}

/** The identity a token grants now, or undefined (unknown or expired). */
export function grantOf(tokens: readonly TokenGrant[], token: string, nowMs: number): string | undefined {
  const d = digest(token);
  const g = tokens.find((t) => t.sha256 === d);
  if (!g) return undefined;
  if (g.expiresAt !== undefined && Date.parse(g.expiresAt) <= nowMs) return undefined;
  return g.id;
}
