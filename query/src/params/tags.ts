import { ParamError, quoteValue } from './errors.js';

/**
 * Tag filters of `GET /api/traces`, as Jaeger's `parseTags` reads them: repeated `tag=key:value` (split at
 * the first colon, so values may contain colons) and `tags=` JSON objects of string values (what Jaeger UI
 * and Grafana send). JSON maps are applied after the simple tags, so they win on a shared key. The result
 * is key → value; every pair must match one span.
 */
export interface TagParams {
  tag?: readonly string[];
  tags?: readonly string[];
}

export function parseJaegerTags(params: TagParams): Record<string, string> {
  const merged = new Map<string, string>();
  for (const tag of params.tag ?? []) {
    const colon = tag.indexOf(':');
    if (colon < 0) {
      throw new ParamError(
        'tag',
        `${quoteValue(tag)} is not key:value (e.g. tag=http.response.status_code:500)`,
      );
    }
    if (colon === 0) throw new ParamError('tag', `${quoteValue(tag)} has an empty key (e.g. tag=error:true)`);
    merged.set(tag.slice(0, colon), tag.slice(colon + 1));
  }
  for (const json of params.tags ?? []) {
    for (const [key, value] of Object.entries(parseTagsJson(json))) merged.set(key, value);
  }
  return Object.fromEntries(merged);
}

function parseTagsJson(json: string): Record<string, string> {
  const example = 'e.g. tags={"http.response.status_code":"500"}';
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ParamError('tags', `${quoteValue(json)} is not JSON: ${reason} (${example})`);
  }
  // Go decodes `null` into an empty map; anything but an object is an error.
  if (parsed === null) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ParamError('tags', `${quoteValue(json)} is not a JSON object of strings (${example})`);
  }
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof value !== 'string') {
      const kind =
        value === null
          ? 'null'
          : Array.isArray(value)
            ? 'an array'
            : typeof value === 'object'
              ? 'an object'
              : `a ${typeof value}`;
      throw new ParamError(
        'tags',
        `the value of ${quoteValue(key)} is ${kind}; tag values must be strings (${example})`,
      );
    }
    out.set(key, value);
  }
  return Object.fromEntries(out);
}
