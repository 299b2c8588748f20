import { z } from 'zod';
import { latencyAttributionSchema } from '../tracing/attribution.js';
import { windowSchema } from './mesh.js';

/** `/api/mesh/attribution`: the attribution with what it was computed for. */
export const latencyAttributionResponseSchema = latencyAttributionSchema.extend({
  window: windowSchema,
  service: z.string(),
  operation: z.string(),
});
export type LatencyAttributionResponse = z.infer<typeof latencyAttributionResponseSchema>;
