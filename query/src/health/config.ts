import { z } from 'zod';

/**
 * Health tolerances, in Kiali's configuration shape (`health_config.rate[].tolerance[]`, kiali/kiali
 * `config/config.go`) so an operator's Kiali settings carry over unchanged. Percentages are of requests.
 * `code`, `protocol`, `direction`, `namespace`, `kind` and `name` are regular expressions matched against the
 * whole value; in `code`, X or x stands for a digit (`5XX`). A `degraded` of 0 means "any error"; a `failure`
 * of 0 means "never Failure".
 *
 * The rates are tried in order, first match wins; Kiali's defaults are always appended last:
 * 5xx degraded > 0 %, failure >= 10 %; 4xx degraded >= 10 %, failure >= 20 %; gRPC codes 1–16 and no response
 * ('-') degraded > 0 %, failure >= 10 %.
 */

/** The regular expression a Kiali pattern becomes: X/x as digits in codes, anchored at both ends. */
export function kialiPattern(pattern: string, isCode: boolean): string {
  let source = pattern === '' ? '.*' : pattern;
  if (isCode) source = source.replaceAll('X', '\\d').replaceAll('x', '\\d');
  if (!source.startsWith('^')) source = `^${source}`;
  if (!source.endsWith('$')) source = `${source}$`;
  return source;
}

const pattern = (isCode: boolean) =>
  z
    .string()
    .default('.*')
    .refine(
      (value) => {
        try {
          new RegExp(kialiPattern(value, isCode));
          return true;
        } catch {
          return false;
        }
      },
      { message: 'not a valid regular expression' },
    );

const percent = z.number().min(0).max(100);

export const toleranceSchema = z
  .strictObject({
    /** response codes counted as errors: HTTP status ('5XX'), gRPC status ('^[1-9]$|^1[0-6]$'), '-' for none */
    code: pattern(true),
    /** error % at or above which the status is Degraded (0: any error) */
    degraded: percent.default(0),
    /** error % at or above which the status is Failure (0: never) */
    failure: percent.default(0),
    /** 'http', 'grpc', … */
    protocol: pattern(false),
    /** 'inbound' | 'outbound' */
    direction: pattern(false),
  })
  .refine((t) => t.failure === 0 || t.degraded <= t.failure, {
    message: 'degraded must not be above failure',
    path: ['degraded'],
  });
export type Tolerance = z.infer<typeof toleranceSchema>;

export const rateSchema = z.strictObject({
  namespace: pattern(false),
  /** 'service' | 'workload' | 'app' */
  kind: pattern(false),
  name: pattern(false),
  tolerance: z.array(toleranceSchema).min(1),
});
export type Rate = z.infer<typeof rateSchema>;

export const healthConfigSchema = z.strictObject({
  /** checked before the defaults, first match wins */
  rate: z.array(rateSchema).default([]),
});
export type HealthConfig = z.infer<typeof healthConfigSchema>;
export type HealthConfigInput = z.input<typeof healthConfigSchema>;

/** Kiali's `AddHealthDefault`. */
export const DEFAULT_RATE: Rate = {
  namespace: '.*',
  kind: '.*',
  name: '.*',
  tolerance: [
    { code: '5XX', degraded: 0, failure: 10, protocol: 'http', direction: '.*' },
    { code: '4XX', degraded: 10, failure: 20, protocol: 'http', direction: '.*' },
    { code: '^[1-9]$|^1[0-6]$', degraded: 0, failure: 10, protocol: 'grpc', direction: '.*' },
    { code: '^-$', degraded: 0, failure: 10, protocol: 'http|grpc', direction: '.*' },
  ],
};
