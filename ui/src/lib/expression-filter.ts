/**
 * The topology's find/hide language, small on purpose (Kiali's find/hide in spirit):
 *
 *   frontend                 name contains "frontend" (case-insensitive)
 *   error% > 5               5xx share above 5 %
 *   rps >= 10 and p95 > 200  both
 *   health = failure or !db  either
 *
 * Fields: rps, error% (5xx), 4xx%, p50/p90/p95/p99 (ms), share% (edges: share of the source's traffic),
 * health (healthy|degraded|failure|na). `and` binds tighter than `or`; `!`/`not` negates one term.
 */

export interface FilterSubject {
  name: string;
  rps: number;
  /** 0…100 */
  errorPct: number;
  /** 0…100 */
  clientErrorPct: number;
  latencyMs: { p50: number | null; p90: number | null; p95: number | null; p99: number | null };
  /** 0…100, edges only */
  sharePct: number | null;
  health: string;
}

export type Predicate = (subject: FilterSubject) => boolean;
export type ParseResult = { ok: true; predicate: Predicate } | { ok: false; error: string };

type Op = '>' | '>=' | '<' | '<=' | '=' | '!=';
const OPS = new Set<string>(['>', '>=', '<', '<=', '=', '==', '!=']);

const NUMERIC_FIELDS: Record<string, (s: FilterSubject) => number | null> = {
  rps: (s) => s.rps,
  'error%': (s) => s.errorPct,
  'err%': (s) => s.errorPct,
  errors: (s) => s.errorPct,
  '5xx%': (s) => s.errorPct,
  '4xx%': (s) => s.clientErrorPct,
  p50: (s) => s.latencyMs.p50,
  p90: (s) => s.latencyMs.p90,
  p95: (s) => s.latencyMs.p95,
  p99: (s) => s.latencyMs.p99,
  'share%': (s) => s.sharePct,
  share: (s) => s.sharePct,
};

function tokenize(text: string): string[] {
  return text.match(/>=|<=|!=|==|[<>=]|!(?!=)|[^\s<>=!]+/g) ?? [];
}

function compare(left: number, op: Op, right: number): boolean {
  switch (op) {
    case '>':
      return left > right;
    case '>=':
      return left >= right;
    case '<':
      return left < right;
    case '<=':
      return left <= right;
    case '=':
      return left === right;
    case '!=':
      return left !== right;
  }
}

function parseNumber(token: string): number | null {
  const match = /^(-?\d+(?:\.\d+)?)(%|ms|s)?$/.exec(token);
  if (!match) return null;
  const value = Number(match[1]);
  return match[2] === 's' ? value * 1000 : value;
}

class Parser {
  #at = 0;
  constructor(private readonly tokens: string[]) {}

  parse(): Predicate {
    const predicate = this.#or();
    if (this.#at < this.tokens.length) throw new Error(`unexpected "${this.tokens[this.#at]}"`);
    return predicate;
  }

  #peek(): string | undefined {
    return this.tokens[this.#at];
  }

  #or(): Predicate {
    const terms = [this.#and()];
    while (/^(or|\|\|)$/i.test(this.#peek() ?? '')) {
      this.#at++;
      terms.push(this.#and());
    }
    return terms.length === 1 ? (terms[0] as Predicate) : (s) => terms.some((t) => t(s));
  }

  #and(): Predicate {
    const terms = [this.#term()];
    while (/^(and|&&)$/i.test(this.#peek() ?? '')) {
      this.#at++;
      terms.push(this.#term());
    }
    return terms.length === 1 ? (terms[0] as Predicate) : (s) => terms.every((t) => t(s));
  }

  #term(): Predicate {
    const token = this.#peek();
    if (token === undefined) throw new Error('expected a name or a comparison at the end');
    if (token === '!' || token.toLowerCase() === 'not') {
      this.#at++;
      const inner = this.#term();
      return (s) => !inner(s);
    }
    this.#at++;
    const op = this.#peek();
    if (op === undefined || !OPS.has(op)) return nameContains(token);
    this.#at++;
    const value = this.#peek();
    if (value === undefined) throw new Error(`expected a value after "${token} ${op}"`);
    this.#at++;
    return comparison(token.toLowerCase(), op === '==' ? '=' : (op as Op), value);
  }
}

function nameContains(token: string): Predicate {
  const needle = token.toLowerCase();
  return (s) => s.name.toLowerCase().includes(needle);
}

function comparison(field: string, op: Op, value: string): Predicate {
  if (field === 'health' || field === 'name') {
    if (op !== '=' && op !== '!=') throw new Error(`${field} takes = or !=`);
    const wanted = value.toLowerCase();
    const get = (s: FilterSubject): string => (field === 'health' ? s.health : s.name).toLowerCase();
    return op === '=' ? (s) => get(s) === wanted : (s) => get(s) !== wanted;
  }
  const read = NUMERIC_FIELDS[field];
  if (read === undefined) {
    throw new Error(`unknown field "${field}" (try rps, error%, 4xx%, p50, p95, p99, share%, health, name)`);
  }
  const number = parseNumber(value);
  if (number === null) throw new Error(`"${value}" is not a number`);
  return (s) => {
    const left = read(s);
    return left !== null && compare(left, op, number);
  };
}

/** Parses an expression; an empty one yields null (no filter). */
export function parseFilter(text: string): ParseResult | null {
  const tokens = tokenize(text.trim());
  if (tokens.length === 0) return null;
  try {
    return { ok: true, predicate: new Parser(tokens).parse() };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}
