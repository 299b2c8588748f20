import { z } from 'zod';
import { jaegerEnvelopeSchema, jaegerTraceSchema, type JaegerTrace } from '@meshscope/query/api';
import { ApiFailure } from './errors';
import { getJson } from './client';

/** The Jaeger-compatible routes the UI uses: service and operation names, and one whole trace. */

const namesSchema = jaegerEnvelopeSchema(z.array(z.string()));
const tracesSchema = jaegerEnvelopeSchema(z.array(jaegerTraceSchema));

const enc = encodeURIComponent;

export const jaegerApi = {
  services: async (signal?: AbortSignal): Promise<string[]> =>
    ((await getJson('/api/services', namesSchema, signal)).data ?? []).toSorted(),

  operations: async (service: string, signal?: AbortSignal): Promise<string[]> =>
    ((await getJson(`/api/services/${enc(service)}/operations`, namesSchema, signal)).data ?? []).toSorted(),

  trace: async (traceID: string, signal?: AbortSignal): Promise<JaegerTrace> => {
    const envelope = await getJson(`/api/traces/${enc(traceID)}`, tracesSchema, signal);
    const trace = envelope.data?.[0];
    if (!trace) throw new ApiFailure('http', `Trace ${traceID} was not found`, 404);
    return trace;
  },
};
