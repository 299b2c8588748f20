import type { AlertRule } from '../api/alerts.js';
import type { AlertStore } from './store.js';

/**
 * Every rule in force: the rules file's (read-only through the API: change the file, GitOps) and those
 * created through the API (stored in ClickHouse, so every replica sees them). A file rule's name cannot
 * be taken by an API rule.
 */

export type RuleSource = 'file' | 'api';

export class RuleConflictError extends Error {
  readonly statusCode = 409;
  constructor(message: string) {
    super(message);
    this.name = 'RuleConflictError';
  }
}

export class RuleRegistry {
  readonly #file: ReadonlyMap<string, AlertRule>;

  constructor(
    fileRules: readonly AlertRule[],
    private readonly store: AlertStore,
  ) {
    this.#file = new Map(fileRules.map((r) => [r.name, r]));
  }

  async all(): Promise<Array<{ rule: AlertRule; source: RuleSource }>> {
    const api = (await this.store.listRules()).filter((r) => !this.#file.has(r.name));
    return [
      ...[...this.#file.values()].map((rule) => ({ rule, source: 'file' as const })),
      ...api.map((rule) => ({ rule, source: 'api' as const })),
    ];
  }

  async get(name: string): Promise<{ rule: AlertRule; source: RuleSource } | undefined> {
    return (await this.all()).find((r) => r.rule.name === name);
  }

  /** Creates or replaces an API rule; `created` tells which. */
  async put(rule: AlertRule, nowMs: number, mustBeNew: boolean): Promise<{ created: boolean }> {
    this.#refuseFileRule(rule.name);
    const existing = await this.get(rule.name);
    if (existing && mustBeNew) {
      throw new RuleConflictError(
        `a rule named "${rule.name}" exists; PUT /api/mesh/alerts/rules/${rule.name} replaces it`,
      );
    }
    await this.store.putRule(rule, nowMs);
    return { created: !existing };
  }

  async delete(name: string, nowMs: number): Promise<boolean> {
    this.#refuseFileRule(name);
    if (!(await this.get(name))) return false;
    await this.store.deleteRule(name, nowMs);
    return true;
  }

  #refuseFileRule(name: string): void {
    if (this.#file.has(name)) {
      throw new RuleConflictError(
        `rule "${name}" comes from the rules file and cannot be changed through the API; edit the file and restart`,
      );
    }
  }
}
