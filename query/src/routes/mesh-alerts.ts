import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Alerting } from '../alerts/runtime.js';
import { primaryWindowSec } from '../alerts/signals.js';
import { invalidMatcher, isSilenced } from '../alerts/silences.js';
import {
  alertRuleSchema,
  exemplarsResponseSchema,
  historyResponseSchema,
  instancesResponseSchema,
  ruleNameSchema,
  ruleResponseSchema,
  rulesResponseSchema,
  silenceInputSchema,
  silenceSchema,
  silencesResponseSchema,
  type Silence,
} from '../api/alerts.js';
import { apiErrorSchema } from '../api/mesh.js';
import { countParam, unixSecondsParam } from '../api/requests.js';
import { HttpError, NotFoundError } from '../http/errors.js';
import type { RouteContext } from './context.js';

/**
 * `/api/mesh/alerts/…`: rules (CRUD; writes need an admin token when tokens are configured), instances
 * with their state, transition history, silences, and example traces of an instance's failing requests.
 */

const TAGS = ['alerts'];
const EMPTY = z.null().describe('no content');
const errors = { 400: apiErrorSchema, 404: apiErrorSchema, 409: apiErrorSchema };
const nameParams = z.object({ name: ruleNameSchema });

/** Fastify's validation result as one message naming every bad field (`signal.threshold`). */
function rejectInvalid(request: FastifyRequest, what: string): void {
  const err = request.validationError as
    (Error & { validation?: Array<{ instancePath: string; message?: string }> }) | undefined;
  if (!err) return;
  const issues = (err.validation ?? []).map((v) => ({
    field: v.instancePath
      .replace(/^\//, '')
      .replace(/\/(\d+)(?=\/|$)/g, '[$1]')
      .replaceAll('/', '.'),
    message: v.message ?? 'not valid',
  }));
  const text = issues.map((i) => `${i.field || '(body)'}: ${i.message}`).join('; ') || err.message;
  throw new HttpError(400, `invalid ${what}: ${text}`, issues[0]?.field || undefined);
}

export function meshAlertRoutes(ctx: RouteContext, alerting: Alerting): FastifyPluginCallbackZod {
  return (app, _options, done) => {
    app.get(
      '/api/mesh/alerts/rules',
      {
        schema: {
          tags: TAGS,
          summary: 'Every alert rule (rules file and API)',
          response: { 200: rulesResponseSchema },
        },
      },
      async () => ({ rules: await alerting.rules.all() }),
    );

    app.get(
      '/api/mesh/alerts/rules/:name',
      {
        schema: {
          tags: TAGS,
          summary: 'One alert rule',
          params: nameParams,
          response: { 200: ruleResponseSchema, ...errors },
        },
      },
      async (request) => {
        const rule = await alerting.rules.get(request.params.name);
        if (!rule) throw new NotFoundError(`no alert rule named "${request.params.name}"`);
        return rule;
      },
    );

    app.post(
      '/api/mesh/alerts/rules',
      {
        attachValidation: true,
        schema: {
          tags: TAGS,
          summary: 'Create an alert rule (admin)',
          body: alertRuleSchema,
          response: { 201: ruleResponseSchema, ...errors },
        },
      },
      async (request, reply) => {
        rejectInvalid(request, 'alert rule');
        await alerting.rules.put(request.body, ctx.nowMs(), true);
        return reply.code(201).send({ rule: request.body, source: 'api' as const });
      },
    );

    app.put(
      '/api/mesh/alerts/rules/:name',
      {
        attachValidation: true,
        schema: {
          tags: TAGS,
          summary: 'Create or replace an alert rule (admin)',
          params: nameParams,
          body: alertRuleSchema,
          response: { 200: ruleResponseSchema, 201: ruleResponseSchema, ...errors },
        },
      },
      async (request, reply) => {
        rejectInvalid(request, 'alert rule');
        if (request.body.name !== request.params.name) {
          throw new HttpError(
            400,
            `the rule's name "${request.body.name}" differs from the URL's "${request.params.name}"`,
            'name',
          );
        }
        const { created } = await alerting.rules.put(request.body, ctx.nowMs(), false);
        return reply.code(created ? 201 : 200).send({ rule: request.body, source: 'api' as const });
      },
    );

    app.delete(
      '/api/mesh/alerts/rules/:name',
      {
        schema: {
          tags: TAGS,
          summary: 'Delete an alert rule (admin)',
          params: nameParams,
          response: { 204: EMPTY, ...errors },
        },
      },
      async (request, reply) => {
        if (!(await alerting.rules.delete(request.params.name, ctx.nowMs())))
          throw new NotFoundError(`no alert rule named "${request.params.name}"`);
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/api/mesh/alerts/instances',
      {
        schema: {
          tags: TAGS,
          summary: 'Alert instances: pending, firing, and recently resolved',
          querystring: z.object({
            rule: z.string().optional(),
            status: z.enum(['pending', 'firing', 'resolved']).optional(),
          }),
          response: { 200: instancesResponseSchema },
        },
      },
      async (request) => {
        const nowMs = ctx.nowMs();
        const [instances, silences] = await Promise.all([
          alerting.store.loadInstances(),
          alerting.store.listSilences(nowMs),
        ]);
        return {
          instances: instances
            .filter(
              (i) =>
                (request.query.rule === undefined || i.rule === request.query.rule) &&
                (request.query.status === undefined || i.status === request.query.status),
            )
            .map((i) => ({
              rule: i.rule,
              fingerprint: i.fingerprint,
              status: i.status,
              labels: i.labels,
              annotations: i.annotations,
              value: i.value,
              threshold: i.threshold,
              activeAtMs: i.activeAtMs,
              firedAtMs: i.firedAtMs,
              resolvedAtMs: i.resolvedAtMs,
              silenced: isSilenced(silences, i.labels, nowMs),
            })),
        };
      },
    );

    app.get(
      '/api/mesh/alerts/instances/:fingerprint/exemplars',
      {
        schema: {
          tags: TAGS,
          summary: "Example traces of an instance's failing requests in its rule's window",
          params: z.object({ fingerprint: z.string().regex(/^[0-9a-f]{16}$/) }),
          querystring: z.object({ limit: countParam(100).optional() }),
          response: { 200: exemplarsResponseSchema, ...errors },
        },
      },
      async (request) => {
        const { fingerprint } = request.params;
        const instance = (await alerting.store.loadInstances()).find((i) => i.fingerprint === fingerprint);
        if (!instance) throw new NotFoundError(`no alert instance with fingerprint ${fingerprint}`);
        const rule = await alerting.rules.get(instance.rule);
        const windowSec = rule
          ? Math.min(primaryWindowSec(rule.rule.signal), ctx.config.limits.maxWindowSec)
          : 3600;
        const endSec = Math.ceil(
          (instance.resolvedAtMs ?? Math.max(instance.lastEvalMs, ctx.nowMs())) / 1000,
        );
        const window = { startSec: endSec - windowSec, endSec };
        const service = instance.labels.service ?? instance.labels.destination;
        const hits = await ctx.read.searchTraces({
          ...window,
          ...(service ? { service } : {}),
          ...(instance.labels.operation ? { operation: instance.labels.operation } : {}),
          errorOnly: true,
          limit: request.query.limit ?? 10,
        });
        return { fingerprint, window, traceIds: hits.map((h) => h.traceId) };
      },
    );

    app.get(
      '/api/mesh/alerts/history',
      {
        schema: {
          tags: TAGS,
          summary: 'Transitions (with value, threshold, time) and notification outcomes, newest first',
          querystring: z.object({
            rule: z.string().optional(),
            fingerprint: z.string().optional(),
            startSec: unixSecondsParam.optional(),
            endSec: unixSecondsParam.optional(),
            limit: countParam(10_000).optional(),
          }),
          response: { 200: historyResponseSchema },
        },
      },
      async (request) => {
        const q = request.query;
        const endMs = q.endSec !== undefined ? q.endSec * 1000 : ctx.nowMs() + 1;
        const startMs =
          q.startSec !== undefined ? q.startSec * 1000 : endMs - ctx.config.limits.maxWindowSec * 1000;
        const events = await alerting.store.history({
          startMs,
          endMs,
          ...(q.rule !== undefined ? { rule: q.rule } : {}),
          ...(q.fingerprint !== undefined ? { fingerprint: q.fingerprint } : {}),
          limit: q.limit ?? 1000,
        });
        return { events };
      },
    );

    app.get(
      '/api/mesh/alerts/silences',
      {
        schema: {
          tags: TAGS,
          summary: 'Silences (pending, active, expired)',
          response: { 200: silencesResponseSchema },
        },
      },
      async () => ({ silences: await alerting.store.listSilences(ctx.nowMs()) }),
    );

    app.post(
      '/api/mesh/alerts/silences',
      {
        attachValidation: true,
        schema: {
          tags: TAGS,
          summary:
            'Silence instances whose labels match every matcher, from startsAtMs (default now) to endsAtMs (admin)',
          body: silenceInputSchema,
          response: { 201: silenceSchema, ...errors },
        },
      },
      async (request, reply) => {
        rejectInvalid(request, 'silence');
        const nowMs = ctx.nowMs();
        const body = request.body;
        const bad = invalidMatcher(body.matchers);
        if (bad)
          throw new HttpError(
            400,
            `invalid silence: matchers[${bad.index}].value: ${bad.message}`,
            `matchers[${bad.index}].value`,
          );
        const startsAtMs = body.startsAtMs ?? nowMs;
        if (body.endsAtMs <= startsAtMs)
          throw new HttpError(
            400,
            'invalid silence: endsAtMs must be in the future and after startsAtMs',
            'endsAtMs',
          );
        const silence = {
          id: randomUUID(),
          matchers: body.matchers,
          startsAtMs,
          endsAtMs: body.endsAtMs,
          createdBy: body.createdBy,
          comment: body.comment,
        };
        await alerting.store.putSilence(silence);
        return reply
          .code(201)
          .send({ ...silence, status: startsAtMs > nowMs ? 'pending' : 'active' } satisfies Silence);
      },
    );

    app.delete(
      '/api/mesh/alerts/silences/:id',
      {
        schema: {
          tags: TAGS,
          summary: 'Expire a silence now (admin)',
          params: z.object({ id: z.string().uuid() }),
          response: { 200: silenceSchema, ...errors },
        },
      },
      async (request) => {
        const nowMs = ctx.nowMs();
        const found = (await alerting.store.listSilences(nowMs)).find((s) => s.id === request.params.id);
        if (!found) throw new NotFoundError(`no silence with id ${request.params.id}`);
        const expired = {
          ...found,
          startsAtMs: Math.min(found.startsAtMs, nowMs),
          endsAtMs: Math.min(found.endsAtMs, nowMs),
        };
        await alerting.store.putSilence(expired);
        return { ...expired, status: 'expired' as const };
      },
    );

    done();
  };
}
