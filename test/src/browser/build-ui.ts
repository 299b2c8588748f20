import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

/** The ui workspace (test/{src,dist}/browser → ui). */
export const UI_ROOT = fileURLToPath(new URL('../../../ui/', import.meta.url));

/**
 * Builds the UI from its current sources into a temporary directory, so browser tests and the bench never
 * run against a stale ui/dist. Returns the directory holding index.html.
 */
export async function buildUi(): Promise<string> {
  const outDir = await mkdtemp(join(tmpdir(), 'meshscope-ui-'));
  await build({ root: UI_ROOT, logLevel: 'error', build: { outDir, emptyOutDir: true, sourcemap: false } });
  return outDir;
}
