import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { QueryTokens } from '../config.js';
import { sendError } from './errors.js';

/**
 * Optional bearer-token access control for every /api route: with no token configured the API is open
 * (the default binds 127.0.0.1); with any, a request needs `Authorization: Bearer <token>`, and methods
 * that change state need an admin token. Tokens are compared as SHA-256 digests in constant time, so
 * neither their length nor a matching prefix shows in response times.
 */

export type Role = 'read' | 'admin';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const digest = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

export function isApiPath(url: string): boolean {
  return url === '/api' || url.startsWith('/api/') || url.startsWith('/api?');
}

export function roleOf(tokens: QueryTokens, presented: string): Role | undefined {
  const d = digest(presented);
  let role: Role | undefined;
  // Every token is compared (no early exit), so timing says nothing about which list matched.
  for (const t of tokens.admin) if (timingSafeEqual(d, digest(t))) role = 'admin';
  for (const t of tokens.read) if (timingSafeEqual(d, digest(t)) && role === undefined) role = 'read';
  return role;
}

export function installAuth(app: FastifyInstance, tokens: QueryTokens): void {
  if (tokens.read.length === 0 && tokens.admin.length === 0) return;
  app.addHook('onRequest', async (request, reply) => {
    if (!isApiPath(request.url)) return;
    const header = request.headers.authorization ?? '';
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    if (!match?.[1]) {
      reply.header('WWW-Authenticate', 'Bearer realm="meshscope"');
      await sendError(
        request,
        reply,
        401,
        header === ''
          ? 'authentication required: send Authorization: Bearer <token> (an API token of this service)'
          : 'malformed Authorization header: expected Bearer <token>',
      );
      return reply;
    }
    const role = roleOf(tokens, match[1]);
    if (role === undefined) {
      reply.header('WWW-Authenticate', 'Bearer realm="meshscope", error="invalid_token"');
      await sendError(request, reply, 401, "the bearer token is not one of this service's API tokens");
      return reply;
    }
    if (!READ_METHODS.has(request.method) && role !== 'admin') {
      await sendError(
        request,
        reply,
        403,
        `${request.method} changes state and needs an admin token; this token may only read`,
      );
      return reply;
    }
    return undefined;
  });
}
