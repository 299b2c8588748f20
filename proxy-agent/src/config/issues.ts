import type { z } from 'zod';

/** A configuration problem, named the way an operator finds it: which resource, which field, why. */
export interface ConfigIssue {
  /** e.g. `VirtualService default/reviews` or `document 3` */
  resource: string;
  /** dotted path inside the resource, e.g. `spec.http[0].route[1].weight` */
  field: string;
  reason: string;
}

export function formatIssue(issue: ConfigIssue): string {
  return `${issue.resource}: ${issue.field || '(resource)'}: ${issue.reason}`;
}

/** `['spec', 'http', 0, 'route']` → `spec.http[0].route` */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

export function zodIssues(
  resource: string,
  prefix: ReadonlyArray<PropertyKey>,
  error: z.ZodError,
): ConfigIssue[] {
  return error.issues.map((issue) => {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const path = [...prefix, ...issue.path];
    if (keys.length > 0) {
      return {
        resource,
        field: formatPath([...path, keys[0] ?? '']),
        reason: `field not supported by the meshscope agent (unknown: ${keys.join(', ')})`,
      };
    }
    return { resource, field: formatPath(path), reason: issue.message };
  });
}
