/**
 * The inbound listener's request-target normalization, Istio's `meshConfig.pathNormalization` (Envoy's
 * `normalize_path`, `merge_slashes` and `path_with_escaped_slashes_action`), applied before
 * AuthorizationPolicy and to the path sent to the app, so that the policy and the app judge the same path.
 * Without it `/public/../admin`, `/%61dmin` or `http://app/admin` reached the app past a DENY on `/admin`.
 *
 * What every option does: an absolute-form target (`http://host/p?q`) becomes origin-form (`/p?q`); a
 * fragment is dropped (never part of a request target; Istio's fix for CVE-2021-39156); `%00` is refused
 * (istio.io: "always rejected with HTTP code 400"); the query is kept as sent.
 *
 * The options (istio.io "Authorization Policy Normalization" and the security best practices), each
 * adding to the one before, in Istio's order (decode slashes, then BASE, then merge):
 * - NONE: the path as sent.
 * - BASE, the default: percent-encoded unreserved characters (`%41`–`%5A`, `%61`–`%7A`, `%30`–`%39`,
 *   `%2D`, `%2E`, `%5F`, `%7E`) decoded once, `%2F` and `%5C` kept; a backslash becomes a slash; `.` and
 *   `..` segments resolved (RFC 3986 §5.2.4).
 * - MERGE_SLASHES: then repeated slashes merged (`/a//b` → `/a/b`; CVE-2021-31920).
 * - DECODE_AND_MERGE_SLASHES: `%2F` and `%5C` decoded too, in the same single pass (`/a%2fb` → `/a/b`).
 */

/** Istio's `meshConfig.pathNormalization.normalization` values. */
export const PATH_NORMALIZATIONS = ['NONE', 'BASE', 'MERGE_SLASHES', 'DECODE_AND_MERGE_SLASHES'] as const;
export type PathNormalization = (typeof PATH_NORMALIZATIONS)[number];

const HEX = /^[0-9a-fA-F]{2}$/;
/** What BASE may change: an escape, a backslash, a dot segment. Most paths have none. */
const CHANGED_BY_BASE = /[%\\]|\/\.\.?(?:\/|$)/;
/** What the merging options may change: that, or a repeated slash. */
const CHANGED_BY_MERGE = /[%\\]|\/\.\.?(?:\/|$)|\/\//;

/** The character for %HH when BASE decodes it: an unreserved one (RFC 3986 §2.3). */
function unreserved(code: number): string | undefined {
  const isAlnum =
    (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
  return isAlnum || code === 0x2d || code === 0x2e || code === 0x5f || code === 0x7e
    ? String.fromCharCode(code)
    : undefined;
}

/** RFC 3986 §5.2.4 remove_dot_segments on a path that begins with '/'. */
function removeDotSegments(path: string): string {
  const out: string[] = [];
  const segments = path.split('/');
  // segments[0] is '' (the leading slash)
  for (let i = 1; i < segments.length; i++) {
    const s = segments[i] as string;
    const last = i === segments.length - 1;
    if (s === '.') {
      if (last) out.push('');
    } else if (s === '..') {
      out.pop();
      if (last) out.push('');
    } else out.push(s);
  }
  return `/${out.join('/')}`;
}

/**
 * The normalized origin-form target (path and query) for `target` as sent, or undefined when the request
 * must be refused (400): a NUL, or a target that is neither origin-form, absolute-form nor `*`.
 */
export function normalizeTarget(target: string, mode: PathNormalization = 'BASE'): string | undefined {
  if (target === '*') return target;
  let t = target;
  if (!t.startsWith('/')) {
    const m = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*/.exec(t);
    if (!m) return undefined;
    t = t.slice(m[0].length);
    if (!t.startsWith('/')) t = `/${t}`;
  }
  const hash = t.indexOf('#');
  if (hash >= 0) t = t.slice(0, hash);
  const q = t.indexOf('?');
  const rawPath = q < 0 ? t : t.slice(0, q);
  const query = q < 0 ? '' : t.slice(q);
  if (mode === 'NONE') return /%00/.test(rawPath) ? undefined : rawPath + query;
  const merge = mode !== 'BASE';
  if (!(merge ? CHANGED_BY_MERGE : CHANGED_BY_BASE).test(rawPath)) return rawPath + query;
  const slashes = mode === 'DECODE_AND_MERGE_SLASHES';
  let path = '';
  for (let i = 0; i < rawPath.length; i++) {
    const c = rawPath[i] as string;
    if (c === '\\') path += '/';
    else if (c === '%' && HEX.test(rawPath.slice(i + 1, i + 3))) {
      const code = parseInt(rawPath.slice(i + 1, i + 3), 16);
      if (code === 0) return undefined;
      // a decoded backslash is a backslash to BASE, which makes it a slash
      const decoded = slashes && (code === 0x2f || code === 0x5c) ? '/' : unreserved(code);
      path += decoded ?? rawPath.slice(i, i + 3);
      i += 2;
    } else path += c;
  }
  path = removeDotSegments(path);
  return (merge ? path.replace(/\/{2,}/g, '/') : path) + query;
}
