/**
 * Scope globs as the evaluator reads them (picomatch): `*` and `?` within a name, `{a,b}` alternatives,
 * `[…]` classes; a pattern without glob characters matches itself only. Enough for the editor's preview;
 * the evaluator's matching is authoritative.
 */
export function globToRegExp(pattern: string): RegExp {
  let out = '';
  let depth = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] ?? '';
    if (c === '*') {
      const double = pattern[i + 1] === '*';
      out += double ? '.*' : '[^/]*';
      if (double) i++;
    } else if (c === '?') out += '[^/]';
    else if (c === '{') {
      depth++;
      out += '(?:';
    } else if (c === '}' && depth > 0) {
      depth--;
      out += ')';
    } else if (c === ',' && depth > 0) out += '|';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) out += '\\[';
      else {
        const body = pattern
          .slice(i + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\');
        out += `[${body}]`;
        i = end;
      }
    } else out += c.replace(/[.+^$()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

/** Whether `name` is in a scope field; an empty or absent pattern is every name. */
export function matchesGlob(pattern: string | undefined, name: string): boolean {
  if (pattern === undefined || pattern === '' || pattern === '*') return true;
  try {
    return globToRegExp(pattern).test(name);
  } catch {
    return pattern === name;
  }
}
