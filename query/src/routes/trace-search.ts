import type { ReadApi, SpanKindName, SpanRow, SpanSearch } from '@meshscope/collector';
import { ParamError, quoteValue } from '../params/errors.js';
import { parseSpanKindParam } from '../params/time.js';

/**
 * Tag conditions as Jaeger users write them, onto what is stored. Jaeger shows some span fields as tags
 * (its OTLP translator adds `error`, `span.kind`, `otel.status_code`), so searching for them must work:
 * those become conditions on the status and kind columns; every other tag is a span or resource attribute.
 */
export function conditionsFromTags(
  tags: Readonly<Record<string, string>>,
  param: string,
): Pick<SpanSearch, 'attributes' | 'errorOnly' | 'spanKind'> {
  const attributes: { key: string; value: string }[] = [];
  let errorOnly = false;
  let spanKind: SpanKindName | undefined;
  for (const [key, value] of Object.entries(tags)) {
    if ((key === 'error' && value === 'true') || (key === 'otel.status_code' && value === 'ERROR')) {
      errorOnly = true;
    } else if (key === 'span.kind') {
      spanKind = parseSpanKindParam(param, value);
      if (spanKind === undefined) throw new ParamError(param, `${quoteValue(value)} is not a span kind`);
    } else {
      attributes.push({ key, value });
    }
  }
  return { attributes, errorOnly, ...(spanKind ? { spanKind } : {}) };
}

/** Trace ids matching the search (newest match first) and all their spans. */
export async function findTraces(
  read: ReadApi,
  search: SpanSearch,
): Promise<{ ids: string[]; rows: SpanRow[] }> {
  const hits = await read.searchTraces(search);
  const ids = hits.map((h) => h.traceId);
  return { ids, rows: ids.length > 0 ? await read.traces(ids) : [] };
}
