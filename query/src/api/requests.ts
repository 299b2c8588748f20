import { z } from 'zod';
import { graphTypeSchema } from './mesh.js';

/**
 * Query-string parameters of the mesh API (`/api/mesh/*`). The service validates requests with these and
 * documents them in OpenAPI; the UI can build its URLs against the same names. Times are unix seconds;
 * a window defaults to the service's default lookback ending now and is shortened to its maximum span.
 */

const MAX_NAME = 1024;

/** unix seconds, integer or with a fraction */
export const unixSecondsParam = z
  .string()
  .regex(/^\d{1,11}(?:\.\d{1,9})?$/, { error: 'expected unix seconds, e.g. 1700000000' })
  .transform(Number);

/** whole seconds, at least 1 */
export const secondsParam = z
  .string()
  .regex(/^[1-9]\d{0,8}$/, { error: 'expected whole seconds, e.g. 60' })
  .transform(Number);

export const countParam = (max: number) =>
  z
    .string()
    .regex(/^[1-9]\d{0,5}$/, { error: `expected a whole number from 1 to ${max}` })
    .transform(Number)
    .refine((n) => n <= max, { error: `at most ${max}` });

export const boolParam = z.enum(['true', 'false']).transform((v) => v === 'true');

export const nameParam = z.string().min(1).max(MAX_NAME);

export const windowQuerySchema = z.object({
  /** window start, unix seconds (default: endSec minus the default lookback) */
  startSec: unixSecondsParam.optional(),
  /** window end, unix seconds (default: now) */
  endSec: unixSecondsParam.optional(),
});
export type WindowQuery = z.input<typeof windowQuerySchema>;

export const servicesQuerySchema = windowQuerySchema.extend({
  /** only services of this namespace */
  namespace: nameParam.optional(),
});

export const serviceParamsSchema = z.object({ service: nameParam });

export const serviceQuerySchema = windowQuerySchema.extend({
  /** the service's namespace, when the name alone is ambiguous */
  namespace: nameParam.optional(),
});

export const seriesQuerySchema = serviceQuerySchema.extend({
  /** bucket width in seconds, rounded up to whole minutes; default: about 60 points */
  stepSec: secondsParam.optional(),
});

export const topologyQuerySchema = windowQuerySchema.extend({
  graphType: graphTypeSchema.default('service'),
  /** also show nodes seen earlier (within the idle lookback) without traffic in the window */
  idle: boolParam.default(false),
  /** only edges touching this namespace (and their nodes) */
  namespace: nameParam.optional(),
});

export const edgeSeriesQuerySchema = windowQuerySchema.extend({
  /** calling service */
  source: nameParam,
  /** called service (or virtual node name) */
  target: nameParam,
  stepSec: secondsParam.optional(),
});

export const traceSearchQuerySchema = windowQuerySchema.extend({
  service: nameParam.optional(),
  operation: nameParam.optional(),
  /** logfmt, all on one span: `error=true http.response.status_code=500` */
  tags: z.string().max(4096).optional(),
  /** Go durations: 100ms, 1.5s */
  minDuration: z.string().max(64).optional(),
  maxDuration: z.string().max(64).optional(),
  limit: z.string().max(16).optional(),
});

export const traceParamsSchema = z.object({ traceID: z.string().min(1).max(64) });

export const attributionQuerySchema = windowQuerySchema.extend({
  service: nameParam,
  operation: nameParam,
  /** how many of the slowest traces to explain (default 20) */
  slow: z.string().max(16).optional(),
  /** how many traces form the baseline (default 100) */
  baseline: z.string().max(16).optional(),
});
