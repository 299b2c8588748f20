import { readFile } from 'node:fs/promises';
import { formatIssue } from './issues.js';
import { type MeshConfigResult, parseMeshConfig } from './mesh-config.js';

/** Reads and validates a mesh configuration file; a read failure is reported like any other issue. */
export async function loadMeshConfigFile(
  path: string,
  defaultNamespace = 'default',
): Promise<MeshConfigResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    return {
      ok: false,
      issues: [{ resource: path, field: '', reason: `cannot read: ${(e as Error).message}` }],
    };
  }
  return parseMeshConfig(text, defaultNamespace);
}

export interface ValidateResult {
  ok: boolean;
  /** one line per problem: `<resource>: <field>: <reason>`, the same lines hot reload logs */
  lines: string[];
}

/** `meshscope agent validate FILE`: the same checks as a (re)load, as printable lines. */
export async function validate(path: string, defaultNamespace = 'default'): Promise<ValidateResult> {
  const result = await loadMeshConfigFile(path, defaultNamespace);
  return result.ok ? { ok: true, lines: [] } : { ok: false, lines: result.issues.map(formatIssue) };
}
