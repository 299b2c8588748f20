/**
 * The static-file service registry: what a discovery tool (or a person) writes to tell agents where each
 * service's endpoints are. Same meaning as ServiceEntry endpoints; a ServiceEntry for the same host wins.
 *
 *   services:
 *     - host: reviews.default.svc.cluster.local
 *       port: 9080
 *       endpoints:
 *         - { address: 10.0.0.7, port: 15006, labels: { app: reviews, version: v1 } }
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { type ConfigIssue, zodIssues } from '../config/issues.js';
import type { ServiceModel } from '../config/model.js';

const registrySchema = z.strictObject({
  services: z.array(
    z.strictObject({
      host: z.string().min(1),
      namespace: z.string().min(1).optional(),
      port: z.number().int().min(1).max(65_535).default(80),
      endpoints: z.array(
        z.strictObject({
          address: z.string().min(1),
          port: z.number().int().min(1).max(65_535),
          labels: z.record(z.string(), z.string()).default({}),
          weight: z.number().int().min(0).default(1),
          /** the endpoint's service account: its agent must present spiffe://<td>/ns/<namespace>/sa/<this> */
          serviceAccount: z.string().min(1).optional(),
        }),
      ),
    }),
  ),
});

/** `reviews.prod.svc.cluster.local` → `prod` */
export function namespaceOfHost(host: string, fallback: string): string {
  const parts = host.split('.');
  return parts.length >= 3 && parts[2] === 'svc' ? (parts[1] ?? fallback) : fallback;
}

export type RegistryResult = { ok: true; services: ServiceModel[] } | { ok: false; issues: ConfigIssue[] };

export function parseRegistry(text: string, source: string, defaultNamespace: string): RegistryResult {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    return {
      ok: false,
      issues: [{ resource: `registry ${source}`, field: '', reason: `YAML: ${(e as Error).message}` }],
    };
  }
  const parsed = registrySchema.safeParse(raw ?? { services: [] });
  if (!parsed.success) return { ok: false, issues: zodIssues(`registry ${source}`, [], parsed.error) };
  return {
    ok: true,
    services: parsed.data.services.map((s) => ({
      host: s.host,
      namespace: s.namespace ?? namespaceOfHost(s.host, defaultNamespace),
      ports: [{ number: s.port, name: 'http' }],
      endpoints: s.endpoints.map((e) => ({
        address: e.address,
        ports: { http: e.port },
        labels: e.labels,
        weight: e.weight,
        serviceAccount: e.serviceAccount,
      })),
    })),
  };
}

export async function loadRegistryFile(path: string, defaultNamespace: string): Promise<RegistryResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    return {
      ok: false,
      issues: [{ resource: `registry ${path}`, field: '', reason: `cannot read: ${(e as Error).message}` }],
    };
  }
  return parseRegistry(text, path, defaultNamespace);
}
