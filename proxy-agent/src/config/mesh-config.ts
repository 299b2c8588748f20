/**
 * Reads a multi-document YAML file of Istio resources, validates every document with its schema and the
 * cross-resource rules, and compiles the result. Every problem found is reported, each naming resource,
 * field and reason; one bad document rejects the whole file (a half-applied config is worse than none).
 */
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { compileMeshConfig } from './compile.js';
import { type ConfigIssue, zodIssues } from './issues.js';
import type { MeshConfig } from './model.js';
import { type MeshResource, metadataSchema, SPECS, type ResourceKind } from './resources.js';

export type MeshConfigResult = { ok: true; config: MeshConfig } | { ok: false; issues: ConfigIssue[] };

const envelope = z.object({
  apiVersion: z.string(),
  kind: z.string(),
  metadata: metadataSchema,
  spec: z.unknown(),
});

function isKind(kind: string): kind is ResourceKind {
  return Object.hasOwn(SPECS, kind);
}

/** Parses and validates the YAML text of a mesh configuration file. */
export function parseMeshConfig(text: string, defaultNamespace = 'default'): MeshConfigResult {
  const issues: ConfigIssue[] = [];
  const resources: MeshResource[] = [];
  const seen = new Set<string>();
  const docs = parseAllDocuments(text);
  let index = 0;
  for (const doc of docs) {
    index++;
    const label = `document ${index}`;
    if (doc.errors.length > 0) {
      for (const e of doc.errors) issues.push({ resource: label, field: '', reason: `YAML: ${e.message}` });
      continue;
    }
    // Aliases are resolved here, not while parsing: an alias to no anchor, or more aliases than yaml
    // allows (its guard against alias bombs), throws. Uncaught, it crashed the agent on hot reload.
    let value: unknown;
    try {
      value = doc.toJS();
    } catch (e) {
      issues.push({ resource: label, field: '', reason: `YAML: ${(e as Error).message}` });
      continue;
    }
    if (value === null || value === undefined) continue;
    const env = envelope.safeParse(value);
    if (!env.success) {
      issues.push(...zodIssues(label, [], env.error));
      continue;
    }
    const { kind, apiVersion, metadata } = env.data;
    const namespace = metadata.namespace ?? defaultNamespace;
    const resource = `${kind} ${namespace}/${metadata.name}`;
    if (!isKind(kind)) {
      issues.push({
        resource,
        field: 'kind',
        reason: `kind ${kind} is not supported (supported: ${Object.keys(SPECS).join(', ')})`,
      });
      continue;
    }
    const def = SPECS[kind];
    if (!(def.apiVersions as readonly string[]).includes(apiVersion)) {
      issues.push({ resource, field: 'apiVersion', reason: `expected one of ${def.apiVersions.join(', ')}` });
    }
    if (seen.has(resource)) {
      issues.push({ resource, field: 'metadata.name', reason: 'defined twice in this file' });
      continue;
    }
    seen.add(resource);
    const spec = def.spec.safeParse(env.data.spec);
    if (!spec.success) {
      issues.push(...zodIssues(resource, ['spec'], spec.error));
      continue;
    }
    resources.push({ kind, name: metadata.name, namespace, spec: spec.data } as MeshResource);
  }
  if (issues.length > 0) return { ok: false, issues };
  return compileMeshConfig(resources);
}
