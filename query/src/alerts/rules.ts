import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { alertRuleSchema, rulesFileSchema, type AlertRule } from '../api/alerts.js';

/** A rule (or rules file) that failed validation; the message names each bad field. */
export class RuleValidationError extends Error {
  constructor(
    message: string,
    /** first bad field, as a path (`rules[1].signal.threshold`) */
    readonly field: string,
  ) {
    super(message);
    this.name = 'RuleValidationError';
  }
}

/** `rules[1].signal.threshold` from a zod issue path. */
export function fieldPath(path: readonly PropertyKey[], prefix = ''): string {
  let out = prefix;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

export function describeIssues(error: z.ZodError, prefix = ''): { message: string; field: string } {
  const parts = error.issues.slice(0, 5).map((i) => `${fieldPath(i.path, prefix) || '(root)'}: ${i.message}`);
  const more = error.issues.length > 5 ? ` (and ${error.issues.length - 5} more)` : '';
  return { message: parts.join('; ') + more, field: fieldPath(error.issues[0]?.path ?? [], prefix) };
}

/** Validates one rule (the API's body, or a stored one). */
export function parseRule(input: unknown): AlertRule {
  const result = alertRuleSchema.safeParse(input);
  if (result.success) return result.data;
  const { message, field } = describeIssues(result.error);
  throw new RuleValidationError(`invalid alert rule: ${message}`, field);
}

/** Parses a rules file's text (YAML or JSON): `rules: [...]`, names unique. */
export function parseRulesFile(text: string, fileName: string): AlertRule[] {
  let doc: unknown;
  try {
    doc = parseYaml(text) ?? {};
  } catch (err) {
    throw new RuleValidationError(`${fileName} is not valid YAML: ${(err as Error).message}`, '');
  }
  const result = rulesFileSchema.safeParse(doc);
  if (!result.success) {
    const { message, field } = describeIssues(result.error);
    throw new RuleValidationError(`${fileName}: ${message}`, field);
  }
  const seen = new Set<string>();
  result.data.rules.forEach((rule, i) => {
    if (seen.has(rule.name)) {
      throw new RuleValidationError(
        `${fileName}: rules[${i}].name: "${rule.name}" is used by an earlier rule; rule names must be unique`,
        `rules[${i}].name`,
      );
    }
    seen.add(rule.name);
  });
  return result.data.rules;
}

export async function loadRulesFile(path: string): Promise<AlertRule[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new RuleValidationError(
      `cannot read the alert rules file ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); fix alerts.rulesFile`,
      '',
    );
  }
  return parseRulesFile(text, path);
}
