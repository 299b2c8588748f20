import { z } from 'zod';

/** pino's levels; its own module so that `meshscope agent` need not load the collector's and query's config. */
export const logLevelSchema = z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']);
