/** Pure routing decisions: which http route of a VirtualService a request takes, and which destination. */
import type { HttpRoute, RouteMatch, StringMatcher, WeightedDestination } from '../config/model.js';

/** What routing looks at. `headers` are Node's lower-cased incoming headers. */
export interface RequestView {
  method: string;
  /** path without the query string */
  path: string;
  /** raw query string without '?', '' when none */
  query: string;
  /** authority (Host) as received, port included */
  authority: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** destination service port the request was addressed to */
  port: number;
}

export function matchString(m: StringMatcher, value: string | undefined): boolean {
  if (value === undefined) return false;
  switch (m.kind) {
    case 'exact':
      return value === m.value;
    case 'prefix':
      return value.startsWith(m.value);
    case 'regex':
      return m.re.test(value);
    case 'present':
      return true;
  }
}

function headerValue(headers: RequestView['headers'], name: string): string | undefined {
  const v = headers[name];
  // Envoy matches a repeated header against its values joined with ','.
  return Array.isArray(v) ? v.join(',') : v;
}

function queryValue(query: string, name: string): string | undefined {
  if (!query) return undefined;
  return new URLSearchParams(query).get(name) ?? undefined;
}

/** Inside one match entry every condition must hold (AND). */
export function matchesRequest(
  m: RouteMatch,
  req: RequestView,
  sourceLabels: Readonly<Record<string, string>>,
): boolean {
  if (m.uri && !matchString(m.uri, m.ignoreUriCase ? req.path.toLowerCase() : req.path)) return false;
  if (m.method && !matchString(m.method, req.method)) return false;
  if (m.authority && !matchString(m.authority, req.authority)) return false;
  if (m.port !== undefined && m.port !== req.port) return false;
  for (const [name, matcher] of m.headers) {
    if (!matchString(matcher, headerValue(req.headers, name))) return false;
  }
  for (const [name, matcher] of m.withoutHeaders) {
    if (matchString(matcher, headerValue(req.headers, name))) return false;
  }
  for (const [name, matcher] of m.queryParams) {
    if (!matchString(matcher, queryValue(req.query, name))) return false;
  }
  if (m.sourceLabels) {
    for (const k in m.sourceLabels) if (sourceLabels[k] !== m.sourceLabels[k]) return false;
  }
  return true;
}

/** First route whose match list is empty or has a matching entry (entries OR); undefined = no route. */
export function selectRoute(
  routes: readonly HttpRoute[],
  req: RequestView,
  sourceLabels: Readonly<Record<string, string>>,
): { route: HttpRoute; match: RouteMatch | undefined } | undefined {
  for (const route of routes) {
    if (route.matches.length === 0) return { route, match: undefined };
    for (const m of route.matches) if (matchesRequest(m, req, sourceLabels)) return { route, match: m };
  }
  return undefined;
}

/** Weighted choice: destination i gets weight_i / Σ weights of the traffic. `rand01` is in [0, 1). */
export function pickDestination(route: HttpRoute, rand01: number): WeightedDestination {
  const ds = route.destinations;
  if (ds.length === 1) return ds[0] as WeightedDestination;
  let x = rand01 * route.totalWeight;
  for (const d of ds) {
    if (x < d.weight) return d;
    x -= d.weight;
  }
  return ds[ds.length - 1] as WeightedDestination;
}

/**
 * Istio's rewrite: with a prefix match the matched prefix is replaced, otherwise the whole path;
 * the query string is kept.
 */
export function rewritePath(
  path: string,
  query: string,
  newUri: string,
  match: RouteMatch | undefined,
): string {
  let out: string;
  if (match?.uri?.kind === 'prefix') out = newUri + path.slice(match.uri.value.length);
  else out = newUri;
  return query ? `${out}?${query}` : out;
}
