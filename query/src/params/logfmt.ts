import { ParamError, quoteValue } from './errors.js';

/**
 * logfmt, the syntax of Jaeger UI's tag search box: `error http.status_code=500 msg="card declined"`.
 * Pairs are separated by whitespace; a value is bare (no whitespace or quotes) or double-quoted with
 * backslash escapes (\" \\ \n \r \t). A key without `=` means `true` (Jaeger UI sends it so); `key=` means
 * the empty string. A repeated key keeps its last value. Unlike the npm `logfmt` parser Jaeger UI uses, a
 * malformed line is an error with its position rather than a silently different query.
 */

export class LogfmtSyntaxError extends Error {
  override readonly name = 'LogfmtSyntaxError';

  constructor(
    readonly column: number,
    problem: string,
  ) {
    super(`at column ${column}: ${problem}`);
  }
}

const isSpace = (c: string | undefined): boolean => c !== undefined && /\s/.test(c);
const ESCAPES: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', n: '\n', r: '\r', t: '\t' };

/** Parse one logfmt line into key → value, keys in first-seen order. */
export function parseLogfmt(line: string): Record<string, string> {
  const pairs = new Map<string, string>();
  let i = 0;
  const n = line.length;
  while (i < n) {
    if (isSpace(line[i])) {
      i++;
      continue;
    }
    const keyStart = i;
    while (i < n && !isSpace(line[i]) && line[i] !== '=' && line[i] !== '"') i++;
    const key = line.slice(keyStart, i);
    if (key === '') {
      const found = line[i] === '=' ? 'a value without a key' : 'a quote where a key should start';
      throw new LogfmtSyntaxError(i + 1, `${found}; write key=value`);
    }
    if (line[i] === '"') throw new LogfmtSyntaxError(i + 1, `a quote inside the key ${quoteValue(key)}`);
    if (line[i] !== '=') {
      pairs.set(key, 'true');
      continue;
    }
    i++; // '='
    let value = '';
    if (line[i] === '"') {
      const open = i;
      i++;
      let closed = false;
      while (i < n) {
        const c = line[i] ?? '';
        if (c === '"') {
          closed = true;
          i++;
          break;
        }
        if (c === '\\') {
          const escaped = ESCAPES[line[i + 1] ?? ''];
          if (escaped === undefined) {
            throw new LogfmtSyntaxError(
              i + 1,
              `unknown escape in the value of ${quoteValue(key)}; use \\" \\\\ \\n \\r or \\t`,
            );
          }
          value += escaped;
          i += 2;
          continue;
        }
        value += c;
        i++;
      }
      if (!closed)
        throw new LogfmtSyntaxError(open + 1, `the quoted value of ${quoteValue(key)} is never closed`);
      if (i < n && !isSpace(line[i])) {
        throw new LogfmtSyntaxError(
          i + 1,
          `text right after the closing quote of ${quoteValue(key)}; add a space`,
        );
      }
    } else {
      const valueStart = i;
      while (i < n && !isSpace(line[i])) {
        if (line[i] === '"') {
          throw new LogfmtSyntaxError(
            i + 1,
            `a quote inside the unquoted value of ${quoteValue(key)}; quote the whole value`,
          );
        }
        i++;
      }
      value = line.slice(valueStart, i);
    }
    pairs.set(key, value);
  }
  return Object.fromEntries(pairs);
}

/** A logfmt request parameter; syntax errors become a `ParamError` naming it. */
export function parseLogfmtParam(param: string, raw: string): Record<string, string> {
  try {
    return parseLogfmt(raw);
  } catch (error) {
    if (error instanceof LogfmtSyntaxError) {
      throw new ParamError(
        param,
        `${error.message} (logfmt, e.g. error=true http.status_code=500 msg="card declined")`,
      );
    }
    throw error;
  }
}
