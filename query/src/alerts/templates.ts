/**
 * `{{service}}`, `{{value}}`, `{{threshold}}`, … in rule labels and annotations (also `{{ $labels.service }}`
 * as Prometheus users write it). Variables are checked when the rule is validated; here an unknown one
 * renders empty.
 */

export type TemplateVars = Record<string, string>;

export function renderTemplate(text: string, vars: TemplateVars): string {
  return text.replace(/\{\{\s*([^}\s]*)\s*\}\}/g, (_, raw: string) => {
    const name = raw.replace(/^\$?(?:labels\.)?/, '');
    return vars[name] ?? '';
  });
}

export function renderAll(texts: Record<string, string>, vars: TemplateVars): Record<string, string> {
  return Object.fromEntries(Object.entries(texts).map(([k, v]) => [k, renderTemplate(v, vars)]));
}

/** A number as people read it in a notification: at most 4 significant decimals, no exponent. */
export function formatValue(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return String(value ?? 'no data');
  if (Number.isInteger(value)) return String(value);
  const digits = Math.abs(value) >= 1 ? 2 : 4;
  return String(Number(value.toFixed(digits)) || Number(value.toPrecision(2)));
}
