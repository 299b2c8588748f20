import type { ReadApi, StorageClient } from '@meshscope/collector';
import type { FastifyBaseLogger } from 'fastify';
import type { AlertsConfig } from './config.js';
import { AlertEvaluator } from './evaluator.js';
import { Notifier } from './notify/dispatcher.js';
import { RuleRegistry } from './registry.js';
import { loadRulesFile } from './rules.js';
import { AlertStore } from './store.js';

/** Alerting as the query service runs it: the store and rules for the API, and (on one replica) the evaluator. */
export interface Alerting {
  store: AlertStore;
  rules: RuleRegistry;
  config: AlertsConfig;
  /** present when this process evaluates rules */
  evaluator: AlertEvaluator | undefined;
  /** starts the evaluator loop (no-op without one) */
  start(): void;
  close(): Promise<void>;
}

export async function createAlerting(deps: {
  storage: StorageClient;
  read: ReadApi;
  config: AlertsConfig;
  now: () => number;
  log?: FastifyBaseLogger | undefined;
}): Promise<Alerting> {
  const { config } = deps;
  const store = new AlertStore(deps.storage);
  const fileRules = config.rulesFile ? await loadRulesFile(config.rulesFile) : [];
  const rules = new RuleRegistry(fileRules, store);
  const cancel = new AbortController();
  const evaluator = config.evaluator.enabled
    ? new AlertEvaluator({
        read: deps.read,
        store,
        rules,
        notifier: new Notifier({
          receivers: config.receivers,
          store,
          externalUrl: config.externalUrl,
          evaluationIntervalSec: config.evaluationIntervalSec,
          cancel: cancel.signal,
          log: deps.log,
        }),
        intervalSec: config.evaluationIntervalSec,
        now: deps.now,
        log: deps.log,
      })
    : undefined;
  if (config.rulesFile)
    deps.log?.info({ file: config.rulesFile, rules: fileRules.length }, 'alert rules loaded');
  return {
    store,
    rules,
    config,
    evaluator,
    start: () => evaluator?.start(),
    close: async () => {
      cancel.abort();
      await evaluator?.close();
    },
  };
}
