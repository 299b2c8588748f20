import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isApiPath } from './auth.js';

/**
 * The built UI (Vite's `dist/`), served from the same origin as the API so the browser needs no CORS.
 * Hashed assets are cached for a year; index.html never, so a new deployment shows at the next load.
 * Paths that are neither a file nor an API route get index.html: the UI's router owns them (deep links).
 */

export function hasUi(uiDir: string | undefined): uiDir is string {
  return uiDir !== undefined && existsSync(join(uiDir, 'index.html'));
}

export async function registerStaticUi(app: FastifyInstance, uiDir: string): Promise<void> {
  await app.register(fastifyStatic, {
    root: uiDir,
    prefix: '/',
    // One route per file found at start: unknown paths fall through to the SPA fallback below.
    wildcard: false,
    index: ['index.html'],
    setHeaders: (reply, path) => {
      reply.header(
        'Cache-Control',
        /[/\\]assets[/\\]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    },
  });
}

/** index.html for a browser navigation outside /api; undefined when the request is not one. */
export function spaFallback(request: FastifyRequest, reply: FastifyReply): FastifyReply | undefined {
  if ((request.method !== 'GET' && request.method !== 'HEAD') || isApiPath(request.url)) return undefined;
  return reply.header('Cache-Control', 'no-cache').sendFile('index.html');
}
