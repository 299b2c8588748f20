/**
 * logfmt as Jaeger UI's search form takes tags: `key=value key2="a value with spaces"`. All pairs must hold
 * on one span. Parsed in the browser to point at the broken pair before the search is sent.
 */

export type LogfmtResult = { ok: true; tags: [string, string][] } | { ok: false; error: string };

const PAIR = /\s*([^\s="]+)=(?:"((?:[^"\\]|\\.)*)"|([^\s"]*))/y;

export function parseLogfmt(text: string): LogfmtResult {
  const tags: [string, string][] = [];
  let at = 0;
  const source = text.trimEnd();
  for (let guard = 0; guard < 1000 && at < source.length; guard++) {
    PAIR.lastIndex = at;
    const match = PAIR.exec(source);
    if (!match) {
      const rest = source.slice(at).trim();
      return {
        ok: false,
        error: `"${rest.split(/\s/)[0] ?? rest}" is not key=value (quote values with spaces)`,
      };
    }
    const quoted = match[2];
    const value = quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : (match[3] ?? '');
    tags.push([match[1] ?? '', value]);
    at = PAIR.lastIndex;
    if (at < source.length && !/\s/.test(source.charAt(at))) {
      return { ok: false, error: `expected a space after ${match[0].trim()}` };
    }
  }
  return { ok: true, tags };
}

/** Pairs → logfmt text, quoting values that need it. */
export function formatLogfmt(tags: readonly (readonly [string, string])[]): string {
  return tags
    .map(([key, value]) =>
      /^[^\s="\\]+$/.test(value) ? `${key}=${value}` : `${key}="${value.replace(/(["\\])/g, '\\$1')}"`,
    )
    .join(' ');
}
