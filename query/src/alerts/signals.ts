import type { MeshTrafficRow, ReadApi, RedPoint } from '@meshscope/collector';
import { QUANTILES } from '@meshscope/collector';
import { BURN_WINDOWS as BURN_DEFAULTS, durationMs, type AlertRule, type Signal } from '../api/alerts.js';
import { errorCounts, mergeRows } from '../mesh/signals.js';
import type { Observation } from './state-machine.js';
import type { ScopeKind, ScopeMatcher } from './scope.js';

/**
 * The numbers a rule compares, read from the same rollups and with the same counting rules as the
 * dashboard: a service's requests come from agents when agents report requests into it, else from its SDK
 * SERVER/CONSUMER spans; edges from mesh traffic counted once; operations from span rollups. Errors are
 * per protocol (gRPC non-OK, otherwise 5xx, plus requests without a response).
 */

export interface Stats {
  requests: number;
  errors: number;
  /** QUANTILES order, ms; empty without requests */
  quantilesMs: readonly number[];
}

/** Who an instance is about: its identity labels (service / operation / source, destination). */
export type Subject = Record<string, string>;

export interface SubjectStats {
  subject: Subject;
  stats: Stats;
}

const NOT_A_SERVICE = new Set(['', 'unknown', 'user']);
const INBOUND_KINDS = ['Server', 'Consumer'] as const;

export function subjectKey(kind: ScopeKind, subject: Subject): string {
  if (kind === 'edge') return `${subject.source ?? ''}\u0000${subject.destination ?? ''}`;
  if (kind === 'operation') return `${subject.service ?? ''}\u0000${subject.operation ?? ''}`;
  return subject.service ?? '';
}

/** One evaluation's reads, each (scope kind, window) read once however many rules need it. */
export class SignalReader {
  readonly #cache = new Map<string, Promise<Map<string, SubjectStats>>>();

  constructor(
    private readonly read: ReadApi,
    readonly nowSec: number,
  ) {}

  /**
   * The rows a window reads: every minute it overlaps, so it never covers less than `window`. (Starting at
   * the first minute that begins inside it, a 1m window right after a minute boundary held only the few
   * seconds of the new minute, often nothing yet: no data, and a firing alert resolved at every boundary.)
   */
  window(windowSec: number): { startSec: number; endSec: number } {
    return { startSec: Math.floor((this.nowSec - windowSec) / 60) * 60, endSec: Math.floor(this.nowSec) };
  }

  stats(kind: ScopeKind, windowSec: number): Promise<Map<string, SubjectStats>> {
    const key = `${kind}:${windowSec}`;
    let hit = this.#cache.get(key);
    if (!hit) {
      const window = this.window(windowSec);
      hit =
        kind === 'service'
          ? this.#services(window)
          : kind === 'edge'
            ? this.#edges(window)
            : this.#operations(window);
      this.#cache.set(key, hit);
    }
    return hit;
  }

  async #services(window: { startSec: number; endSec: number }): Promise<Map<string, SubjectStats>> {
    const [inbound, red] = await Promise.all([
      this.read.meshTraffic({ ...window, level: 'service', bySource: false, byDest: true, spans: false }),
      this.read.red({ ...window, groupBy: ['service'], spanKinds: INBOUND_KINDS, fromAgent: false }),
    ]);
    const out = new Map<string, SubjectStats>();
    for (const [service, rows] of groupRows(
      inbound.filter((r) => r.connectionType === ''),
      (r) => r.dest.service,
    )) {
      const row = mergeRows(rows);
      if (!row || NOT_A_SERVICE.has(service) || row.requests <= 0) continue;
      out.set(service, { subject: { service }, stats: trafficStats(row) });
    }
    for (const r of red) {
      if (out.has(r.service) || NOT_A_SERVICE.has(r.service)) continue;
      out.set(r.service, { subject: { service: r.service }, stats: redStats(r) });
    }
    return out;
  }

  async #edges(window: { startSec: number; endSec: number }): Promise<Map<string, SubjectStats>> {
    const rows = await this.read.meshTraffic({ ...window, level: 'service', bySource: true, byDest: true });
    const out = new Map<string, SubjectStats>();
    for (const [, group] of groupRows(rows, (r) => `${r.source.service}\u0000${r.dest.service}`)) {
      const row = mergeRows(group);
      if (!row) continue;
      const subject = { source: row.source.service, destination: row.dest.service };
      out.set(subjectKey('edge', subject), { subject, stats: trafficStats(row) });
    }
    return out;
  }

  async #operations(window: { startSec: number; endSec: number }): Promise<Map<string, SubjectStats>> {
    const rows = await this.read.red({
      ...window,
      groupBy: ['service', 'operation'],
      spanKinds: INBOUND_KINDS,
    });
    const out = new Map<string, SubjectStats>();
    for (const r of rows) {
      const subject = { service: r.service, operation: r.operation };
      out.set(subjectKey('operation', subject), { subject, stats: redStats(r) });
    }
    return out;
  }
}

const trafficStats = (row: MeshTrafficRow): Stats => ({
  requests: row.requests,
  errors: errorCounts(row.protocols).errors,
  quantilesMs: row.quantilesMs,
});
const redStats = (r: RedPoint): Stats => ({
  requests: r.requests,
  errors: Math.min(r.requests, r.errors),
  quantilesMs: r.quantilesMs,
});

function groupRows<T>(rows: readonly T[], key: (r: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = out.get(k);
    if (list) list.push(r);
    else out.set(k, [r]);
  }
  return out;
}

// ------------------------------------------------------------------------------------------ conditions

const compare = (op: string, value: number, threshold: number): boolean =>
  op === '>'
    ? value > threshold
    : op === '>='
      ? value >= threshold
      : op === '<'
        ? value < threshold
        : value <= threshold;

/** The window whose subjects define a rule's instances (a burn-rate rule: its first long window). */
export function primaryWindowSec(signal: Signal): number {
  if (signal.type !== 'burn_rate') return durationMs(signal.window) / 1000;
  return durationMs(burnWindows(signal)[0]?.long ?? '1h') / 1000;
}

export function burnWindows(signal: Extract<Signal, { type: 'burn_rate' }>) {
  return signal.windows ?? BURN_DEFAULTS[signal.severity];
}

/** What one evaluation of `rule` sees for `subject`. */
export async function observe(
  rule: AlertRule,
  kind: ScopeKind,
  subject: Subject,
  reader: SignalReader,
): Promise<Observation> {
  const signal = rule.signal;
  const key = subjectKey(kind, subject);
  const statsOver = async (windowSec: number): Promise<Stats | undefined> =>
    (await reader.stats(kind, windowSec)).get(key)?.stats;

  if (signal.type === 'burn_rate') return observeBurnRate(rule, signal, statsOver);
  const windowSec = durationMs(signal.window) / 1000;
  const stats = await statsOver(windowSec);
  if (signal.type === 'request_rate') {
    const { startSec, endSec } = reader.window(windowSec);
    const value = (stats?.requests ?? 0) / Math.max(windowSec, endSec - startSec);
    return {
      kind: 'value',
      value,
      threshold: signal.threshold,
      active: compare(signal.op, value, signal.threshold),
    };
  }
  if (!stats || stats.requests <= 0 || stats.requests < rule.minRequests) return { kind: 'no_data' };
  let value: number;
  if (signal.type === 'error_rate') value = stats.errors / stats.requests;
  else {
    const q = stats.quantilesMs[QUANTILES.indexOf(signal.quantile)];
    if (q === undefined || !Number.isFinite(q)) return { kind: 'no_data' };
    value = q;
  }
  return {
    kind: 'value',
    value,
    threshold: signal.threshold,
    active: compare(signal.op, value, signal.threshold),
  };
}

async function observeBurnRate(
  rule: AlertRule,
  signal: Extract<Signal, { type: 'burn_rate' }>,
  statsOver: (windowSec: number) => Promise<Stats | undefined>,
): Promise<Observation> {
  const budget = 1 - signal.slo;
  const burn = async (window: string): Promise<number | undefined> => {
    const s = await statsOver(durationMs(window) / 1000);
    if (!s || s.requests <= 0) return undefined;
    return s.errors / s.requests / budget;
  };
  let best: { value: number; threshold: number; score: number; active: boolean } | undefined;
  for (const pair of burnWindows(signal)) {
    const longStats = await statsOver(durationMs(pair.long) / 1000);
    if (!longStats || longStats.requests < Math.max(1, rule.minRequests)) continue;
    const [long, short] = await Promise.all([burn(pair.long), burn(pair.short)]);
    if (long === undefined) continue;
    const value = Math.min(long, short ?? 0);
    const active = value > pair.factor;
    const score = value / pair.factor;
    if (!best || better({ active, score, threshold: pair.factor }, best)) {
      best = { value, threshold: pair.factor, score, active };
    }
  }
  if (!best) return { kind: 'no_data' };
  return { kind: 'value', value: best.value, threshold: best.threshold, active: best.active };
}

type Candidate = { active: boolean; score: number; threshold: number };

/** Reported pair: an active one over an inactive one; among active, the fastest burn (highest factor) met;
 * among inactive, the closest to its factor. */
function better(a: Candidate, b: Candidate): boolean {
  if (a.active !== b.active) return a.active;
  return a.active ? a.threshold > b.threshold : a.score > b.score;
}

/** Subjects the scope admits among those with traffic in the window. */
export function inScope(matcher: ScopeMatcher, subject: Subject): boolean {
  if (matcher.kind === 'edge')
    return matcher.source(subject.source ?? '') && matcher.destination(subject.destination ?? '');
  if (!matcher.service(subject.service ?? '')) return false;
  return matcher.kind !== 'operation' || matcher.operation(subject.operation ?? '');
}
