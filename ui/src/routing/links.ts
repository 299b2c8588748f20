import { buildUrl } from '../api/client';

/**
 * URLs of the app's pages, in one place so every "open this" link builds the same deep link. The time
 * range (`range` or `start`+`end`) travels with every link so drilling down keeps the window in view.
 */

export type RangeParams = { range?: string | null; start?: string | null; end?: string | null };

function rangeOf(params: URLSearchParams): Record<string, string | undefined> {
  return {
    range: params.get('range') ?? undefined,
    start: params.get('start') ?? undefined,
    end: params.get('end') ?? undefined,
  };
}

export const links = {
  services: (current: URLSearchParams) => buildUrl('/services', rangeOf(current)),
  topology: (current: URLSearchParams) => buildUrl('/topology', rangeOf(current)),
  service: (name: string, current: URLSearchParams) =>
    buildUrl(`/services/${encodeURIComponent(name)}`, rangeOf(current)),
  traceSearch: (current: URLSearchParams, filters: Record<string, string | undefined> = {}) =>
    buildUrl('/traces', { ...rangeOf(current), ...filters }),
  trace: (traceID: string) => `/traces/${encodeURIComponent(traceID)}`,
  alerts: (current: URLSearchParams, filters: { rule?: string; service?: string } = {}) =>
    buildUrl('/alerts', { ...rangeOf(current), ...filters }),
};
