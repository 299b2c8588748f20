/** Header plumbing shared by both listeners: hop-by-hop filtering, route header operations, local replies. */
import type { HeaderOps } from '../config/model.js';
import { PEER_HEADER } from '../telemetry/identity.js';
import { CONTEXT_HEADERS } from '../telemetry/trace-context.js';
import type { H1Response } from './h1-client.js';
import type { ServerResponse } from './h1-server.js';

// RFC 9110 §7.6.1 connection-specific headers never cross a proxy.
const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'upgrade',
  'proxy-authorization',
  'proxy-authenticate',
]);

export const XFCC = 'x-forwarded-client-cert';
/**
 * A caller's `x-forwarded-client-cert` never reaches the next hop as sent: the outbound drops it (its
 * caller is the local app, over plaintext, as Envoy's SANITIZE does), the inbound replaces it (xfccFor in
 * mtls.ts).
 */
export const DROP_XFCC: ReadonlySet<string> = new Set([XFCC]);

/** Copies a raw header list without hop-by-hop headers, trace context and our peer header. */
export function forwardableRequestHeaders(
  raw: readonly string[],
  out: string[],
  extraDrop?: ReadonlySet<string>,
): void {
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || CONTEXT_HEADERS.has(lower) || lower === PEER_HEADER || lower === 'host')
      continue;
    if (extraDrop?.has(lower)) continue;
    out.push(name, raw[i + 1] as string);
  }
}

export function forwardableResponseHeaders(
  raw: readonly string[],
  out: string[],
  extraDrop?: ReadonlySet<string>,
): string | undefined {
  let peer: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const lower = name.toLowerCase();
    if (lower === PEER_HEADER) {
      peer = raw[i + 1];
      continue;
    }
    if (HOP_BY_HOP.has(lower) || extraDrop?.has(lower)) continue;
    out.push(name, raw[i + 1] as string);
  }
  return peer;
}

function removeFrom(list: string[], names: ReadonlySet<string>): void {
  let w = 0;
  for (let r = 0; r < list.length; r += 2) {
    if (names.has((list[r] as string).toLowerCase())) continue;
    list[w++] = list[r] as string;
    list[w++] = list[r + 1] as string;
  }
  list.length = w;
}

/** Istio's header operations: remove, then set (replace), then add (append). */
export function applyHeaderOps(
  list: string[],
  set: HeaderOps['requestSet'],
  add: HeaderOps['requestAdd'],
  remove: readonly string[],
): void {
  if (remove.length > 0 || set.length > 0) removeFrom(list, new Set([...remove, ...set.map(([k]) => k)]));
  for (const [k, v] of set) list.push(k, v);
  for (const [k, v] of add) list.push(k, v);
}

export function headerValue(list: readonly string[], lowerName: string): string | undefined {
  for (let i = 0; i < list.length; i += 2)
    if ((list[i] as string).toLowerCase() === lowerName) return list[i + 1];
  return undefined;
}

/** A reply the agent makes itself (Envoy's local reply): text body, never a bare status. */
export function localReply(
  res: ServerResponse,
  status: number,
  body: string,
  extra?: readonly string[],
  closing = false,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const headers = ['content-type', 'text/plain', 'content-length', String(Buffer.byteLength(body))];
  if (extra) headers.push(...extra);
  if (closing) headers.push('connection', 'close');
  res.writeHead(status, headers);
  res.end(body);
}

const KNOWN_METHODS: ReadonlySet<string> = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
]);

/** Semconv: unknown methods are reported as _OTHER so that span names stay low-cardinality. */
export function spanMethod(method: string): string {
  return KNOWN_METHODS.has(method) ? method : '_OTHER';
}

const SMALL_BODY_BYTES = 64 * 1024;

/**
 * Relays an upstream response body. A small body of known length is gathered and written with the head
 * in one `end()`: one syscall instead of two, measurably cheaper per request. Larger or chunked bodies
 * stream with backpressure.
 */
export function relayBody(upRes: H1Response, res: ServerResponse): void {
  const cl = upRes.contentLength;
  if (cl === undefined || Number(cl) > SMALL_BODY_BYTES) {
    upRes.on('data', (c: Buffer) => {
      if (!res.write(c)) {
        upRes.pause();
        res.once('drain', () => upRes.resume());
      }
    });
    upRes.on('end', () => res.end());
    return;
  }
  let first: Buffer | undefined;
  let all: Buffer[] | undefined;
  upRes.on('data', (c: Buffer) => {
    if (first === undefined) first = c;
    else (all ??= [first]).push(c);
  });
  upRes.on('end', () => {
    if (all) res.end(Buffer.concat(all));
    else if (first) res.end(first);
    else res.end();
  });
}

// Semantic conventions: these query values are credentials and are redacted in url.full / url.query.
const SENSITIVE_QUERY = /([?&](?:AWSAccessKeyId|Signature|sig|X-Goog-Signature)=)[^&#]*/gi;

/** `url.full` for a span, with the credentials the semantic conventions name redacted. */
export function spanUrl(authority: string, pathAndQuery: string): string {
  const url = `http://${authority}${pathAndQuery}`;
  return pathAndQuery.includes('?') ? url.replace(SENSITIVE_QUERY, '$1REDACTED') : url;
}
