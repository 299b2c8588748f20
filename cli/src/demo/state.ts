import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { demoMeshYaml, type FaultLevel } from './mesh.js';

/** What a running demo leaves in DATA_DIR/demo for `meshscope demo fault`: where its agents listen. */
const stateSchema = z.object({
  pid: z.number().int(),
  ports: z.record(z.string(), z.number().int()),
  fault: z.enum(['low', 'high']),
});
export type DemoState = z.infer<typeof stateSchema>;

export const demoFiles = (demoDir: string) => ({
  state: join(demoDir, 'state.json'),
  mesh: join(demoDir, 'mesh.yaml'),
});

export async function writeState(demoDir: string, state: DemoState): Promise<void> {
  await writeFile(demoFiles(demoDir).state, `${JSON.stringify(state, null, 2)}\n`);
}

/** The saved state, or undefined when no demo has run in this data directory. */
export async function readState(demoDir: string): Promise<DemoState | undefined> {
  const text = await readFile(demoFiles(demoDir).state, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const parsed = stateSchema.safeParse(JSON.parse(text));
  return parsed.success ? parsed.data : undefined;
}

/** Rewrites the demo's mesh file with `fault`; the agents watching it apply it within a moment. */
export async function setFault(demoDir: string, state: DemoState, fault: FaultLevel): Promise<void> {
  await writeFile(demoFiles(demoDir).mesh, demoMeshYaml(state.ports, fault));
  await writeState(demoDir, { ...state, fault });
}
