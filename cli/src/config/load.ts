import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import type { OptionSpec } from './options.js';

/** A configuration problem the user can fix; the message names the key and where the value came from. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Tree = Record<string, unknown>;

export interface Loaded<T> {
  config: T;
  help: boolean;
}

/**
 * Builds a typed configuration from defaults < file < environment < flags, validates it once with the
 * schema, and fails with a message naming each bad key and its source.
 */
export async function loadConfig<S extends z.ZodType>(
  schema: S,
  options: readonly OptionSpec[],
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  prepare: (tree: Tree, explicit: ReadonlySet<string>) => void = () => undefined,
): Promise<Loaded<z.output<S>>> {
  const flags = parseFlags(options, argv);
  if (flags.help) return { config: undefined as z.output<S>, help: true };
  const sources = new Map<string, string>();
  const configPath = flags.values.config ?? env.MESHSCOPE_CONFIG;
  const tree: Tree = configPath ? await readConfigFile(configPath) : {};
  if (configPath) markFileSources(tree, '', `${configPath}`, sources);

  for (const spec of options) {
    if (!spec.path) continue;
    const fromEnv = spec.env ? env[spec.env] : undefined;
    if (fromEnv !== undefined && fromEnv !== '') {
      setPath(tree, spec.path, convert(spec, fromEnv, `environment variable ${spec.env}`));
      sources.set(spec.path, `environment variable ${spec.env}`);
    }
    const fromFlag = flags.values[spec.flag];
    if (fromFlag !== undefined) {
      if (spec.secret) {
        throw new ConfigError(
          `--${spec.flag} is not accepted on the command line (other users can read it with ps); ` +
            `set ${spec.env ?? 'it in the config file'}${spec.env ? ' or put it in the config file' : ''}`,
        );
      }
      setPath(tree, spec.path, convert(spec, fromFlag, `--${spec.flag}`));
      sources.set(spec.path, `--${spec.flag}`);
    }
  }
  prepare(tree, new Set(sources.keys()));

  const parsed = schema.safeParse(tree);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const path = issue.path.map(String).join('.');
      const keys = 'keys' in issue && Array.isArray(issue.keys) ? issue.keys.map(String) : [];
      const where = keys.length ? [path, ...keys].filter(Boolean).join('.') : path;
      const source = sources.get(where) ?? (configPath && keys.length ? configPath : undefined);
      return `  ${where || '(root)'}: ${issue.message}${source ? ` (from ${source})` : ''}`;
    });
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return { config: parsed.data, help: false };
}

function parseFlags(options: readonly OptionSpec[], argv: readonly string[]) {
  const spec: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' } };
  for (const o of options)
    spec[o.flag] = { type: o.type === 'boolean' || o.type === 'negated' ? 'boolean' : 'string' };
  try {
    const { values } = parseArgs({ args: [...argv], options: spec, strict: true, allowPositionals: false });
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(values))
      if (typeof v === 'string') out[k] = v;
      else if (v === true && k !== 'help') out[k] = 'true';
    return { values: out, help: values.help === true };
  } catch (err) {
    throw new ConfigError(`${(err as Error).message} (see --help)`);
  }
}

function convert(spec: OptionSpec, raw: string, source: string): unknown {
  if (spec.type === 'int') {
    if (!/^-?\d+$/.test(raw.trim()))
      throw new ConfigError(`${source}: expected a whole number, got ${JSON.stringify(raw)}`);
    return Number(raw);
  }
  if (spec.type === 'list') {
    return raw
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean);
  }
  if (spec.type === 'negated' && source.startsWith('--')) return false;
  if (spec.type === 'boolean' || spec.type === 'negated') {
    if (!['true', 'false', '1', '0'].includes(raw)) {
      throw new ConfigError(`${source}: expected true or false, got ${JSON.stringify(raw)}`);
    }
    return raw === 'true' || raw === '1';
  }
  return raw;
}

async function readConfigFile(path: string): Promise<Tree> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`config file ${path} is not valid YAML: ${(err as Error).message}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc))
    throw new ConfigError(`config file ${path} must be a mapping`);
  return doc as Tree;
}

function markFileSources(tree: Tree, prefix: string, file: string, sources: Map<string, string>): void {
  for (const [k, v] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${k}` : k;
    sources.set(path, file);
    if (v && typeof v === 'object' && !Array.isArray(v)) markFileSources(v as Tree, path, file, sources);
  }
}

export function setPath(tree: Tree, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = tree;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (!next || typeof next !== 'object' || Array.isArray(next)) node[part] = {};
    node = node[part] as Tree;
  }
  node[parts[parts.length - 1] as string] = value;
}

export function getPath(tree: Tree, path: string): unknown {
  let node: unknown = tree;
  for (const part of path.split('.')) {
    if (!node || typeof node !== 'object') return undefined;
    node = (node as Tree)[part];
  }
  return node;
}

export function usage(command: string, summary: string, options: readonly OptionSpec[]): string {
  const width = Math.max(...options.map((o) => o.flag.length)) + 4;
  // Secrets are refused on the command line: help says where they may come from instead of offering a flag.
  const lines = options
    .filter((o) => !o.secret)
    .map((o) => {
      const env = o.env ? `  [${o.env}]` : '';
      return `  --${o.flag.padEnd(width)}${o.help}${env}`;
    });
  const secrets = options
    .filter((o) => o.secret)
    .map((o) => `  ${(o.env ?? '').padEnd(width + 2)}${o.help}  [file key ${o.path}]`);
  const secretSection = secrets.length
    ? `\nSecrets (environment or config file only, never on the command line):\n${secrets.join('\n')}\n`
    : '';
  return `Usage: meshscope ${command} [options]\n\n${summary}\n\nOptions:\n${lines.join('\n')}\n  --${'help'.padEnd(width)}show this help\n${secretSection}`;
}
