/**
 * The inbound listener's request-target normalization: Istio's default (`meshConfig.pathNormalization`
 * BASE, Envoy's `normalize_path`), applied before AuthorizationPolicy and to the path sent to the app, so
 * that the policy and the app judge the same path. Without it `/public/../admin`, `/%61dmin` or
 * `http://app/admin` reached the app past a DENY on `/admin`.
 *
 * What it does (istio.io "Authorization Policy Normalization"):
 * - an absolute-form target (`http://host/p?q`) becomes origin-form (`/p?q`); a fragment is dropped
 *   (never part of a request target; Istio's fix for CVE-2021-39156);
 * - percent-encoded unreserved characters (`%41`–`%5A`, `%61`–`%7A`, `%30`–`%39`, `%2D`, `%2E`, `%5F`,
 *   `%7E`) are decoded once; `%2F` and `%5C` stay encoded, as in BASE; `%00` is refused;
 * - a backslash becomes a slash;
 * - `.` and `..` segments are resolved (RFC 3986 §5.2.4);
 * - the query is kept as sent. Repeated slashes are kept (merging them is Istio's MERGE_SLASHES, not the
 *   default).
 */

const HEX = /^[0-9a-fA-F]{2}$/;

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
export function normalizeTarget(target: string): string | undefined {
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
  // Most paths need nothing: no escape, backslash or dot segment.
  if (!/[%\\]|\/\.\.?(?:\/|$)/.test(rawPath)) return rawPath + query;
  let path = '';
  for (let i = 0; i < rawPath.length; i++) {
    const c = rawPath[i] as string;
    if (c === '\\') path += '/';
    else if (c === '%' && HEX.test(rawPath.slice(i + 1, i + 3))) {
      const code = parseInt(rawPath.slice(i + 1, i + 3), 16);
      if (code === 0) return undefined;
      const decoded = unreserved(code);
      path += decoded ?? rawPath.slice(i, i + 3);
      i += 2;
    } else path += c;
  }
  return removeDotSegments(path) + query;
}
