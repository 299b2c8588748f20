import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { START_COMMAND_OPTIONS } from '../src/commands/start.js';

/**
 * The built `meshscope` command as a user runs it (`npm test` builds dist/ before Vitest runs): its help,
 * its refusals, and the README's configuration table kept true against `start --help`.
 */
const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const README = fileURLToPath(new URL('../../README.md', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the command with only `env` as its configuration environment; killed after `timeoutMs`. */
function meshscope(args: string[], env: Record<string, string> = {}, timeoutMs = 30_000): Promise<Run> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(MESHSCOPE_|CLICKHOUSE_)/.test(k)),
  );
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], {
      env: { ...base, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal) reject(new Error(`meshscope ${args.join(' ')} killed (${signal}):\n${stdout}${stderr}`));
      else resolve({ code, stdout, stderr });
    });
  });
}

interface HelpFlag {
  flag: string;
  env: string | undefined;
}

/** `--flag   help text  [ENV]` lines of a command's help. */
function helpFlags(help: string): HelpFlag[] {
  return [...help.matchAll(/^ {2}--([a-z0-9-]+)\s.*?(?:\[([A-Z0-9_]+)\])?$/gm)].map((m) => ({
    flag: m[1] as string,
    env: m[2],
  }));
}

interface ReadmeRow {
  flag: string | undefined;
  env: string | undefined;
}

/** The rows of README.md's configuration table (`| flag | environment | file key | default |`). */
function readmeRows(readme: string): ReadmeRow[] {
  const section = readme.slice(readme.indexOf('## Configuration'));
  const table = section.slice(section.indexOf('| flag |'));
  const rows: ReadmeRow[] = [];
  for (const line of table.split('\n').slice(2)) {
    if (!line.startsWith('|')) break;
    const [flagCell = '', envCell = ''] = line.split('|').slice(1);
    rows.push({
      flag: /`--([a-z0-9-]+)`/.exec(flagCell)?.[1],
      env: /`([A-Z0-9_]+)`/.exec(envCell)?.[1],
    });
  }
  return rows;
}

describe('meshscope --help', () => {
  it('lists the commands, each of which answers its own --help', async () => {
    const run = await meshscope(['--help']);
    expect(run.code).toBe(0);
    const commands = [...run.stdout.matchAll(/^ {2}([a-z-]+) {2,}\S/gm)].map((m) => m[1] as string);
    expect(commands.slice(0, 5)).toEqual(['start', 'collector', 'query', 'migrate', 'agent']);
    const helps = await Promise.all(commands.map((command) => meshscope([command, '--help'])));
    for (const [i, help] of helps.entries()) {
      expect(help.code, help.stderr).toBe(0);
      expect(help.stdout).toContain(`Usage: meshscope ${commands[i]}`);
    }
  });

  it('refuses an unknown command with exit code 2 and the list of commands', async () => {
    const run = await meshscope(['colector']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown command "colector"');
    expect(run.stderr).toContain('collector');
  });
});

describe('meshscope start --help and the README configuration table', () => {
  let help: string;
  let rows: ReadmeRow[];
  beforeAll(async () => {
    const run = await meshscope(['start', '--help']);
    expect(run.code).toBe(0);
    help = run.stdout;
    rows = readmeRows(await readFile(README, 'utf8'));
  });

  it('lists every flag start accepts, and each secret only with its environment variable', () => {
    const listed = helpFlags(help).map((f) => f.flag);
    const flags = START_COMMAND_OPTIONS.filter((o) => !o.secret).map((o) => o.flag);
    expect(listed).toEqual([...flags, 'help']);
    for (const secret of START_COMMAND_OPTIONS.filter((o) => o.secret)) {
      expect(listed).not.toContain(secret.flag);
      expect(help).toMatch(new RegExp(`^ {2}${secret.env ?? '(missing env)'}\\s`, 'm'));
    }
  });

  it('every README flag is in start --help with the same environment variable, and vice versa', () => {
    const fromReadme = rows
      .filter((r): r is ReadmeRow & { flag: string } => r.flag !== undefined)
      .map((r) => ({ flag: r.flag, env: r.env }));
    const fromHelp = helpFlags(help).filter((f) => f.flag !== 'help');
    const byFlag = (a: HelpFlag, b: HelpFlag) => a.flag.localeCompare(b.flag);
    expect(fromReadme.sort(byFlag)).toEqual(fromHelp.sort(byFlag));
  });

  it('every README setting that is environment-only is a secret start refuses as a flag', () => {
    const envOnly = rows.filter((r) => r.flag === undefined && r.env !== undefined).map((r) => r.env);
    const secrets = START_COMMAND_OPTIONS.filter((o) => o.secret).map((o) => o.env);
    expect(envOnly.sort()).toEqual(secrets.sort());
  });

  it('start accepts every flag the README lists (parsed, then --help stops before anything starts)', async () => {
    const args = rows.flatMap((r) => {
      if (r.flag === undefined) return [];
      const spec = START_COMMAND_OPTIONS.find((o) => o.flag === r.flag);
      return spec?.type === 'boolean' || spec?.type === 'negated' ? [`--${r.flag}`] : [`--${r.flag}`, '1'];
    });
    expect(args.length).toBeGreaterThan(20);
    const run = await meshscope(['start', ...args, '--help']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  });
});

describe('meshscope refuses bad configuration with exit code 2 and a message naming it', () => {
  it.each([
    [['collector', '--otlp-http-port', 'abc'], '--otlp-http-port: expected a whole number, got "abc"'],
    [['collector', '--otlp-http-port', '70000'], 'collector.httpPort: Too big'],
    [['start', '--no-such-flag'], "Unknown option '--no-such-flag'"],
    [['collector', '--log-level', 'loud'], 'logLevel'],
    [['agent', '--workload', 'w', '--path-normalization', 'MERGE'], 'pathNormalization.normalization'],
  ])('meshscope %j', async (args, message) => {
    const run = await meshscope(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stdout).toBe('');
  });

  it('names the environment variable a bad value came from', async () => {
    const run = await meshscope(['collector'], { MESHSCOPE_OTLP_GRPC_PORT: 'four' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('environment variable MESHSCOPE_OTLP_GRPC_PORT: expected a whole number');
  });

  it('names the key and the file a bad value came from', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'meshscope-cli-'));
    try {
      const file = join(dir, 'meshscope.yaml');
      await writeFile(file, 'collector:\n  batch:\n    maxRows: 0\n');
      const run = await meshscope(['collector', '--config', file]);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(new RegExp(`collector\\.batch\\.maxRows: .*\\(from ${file}\\)`));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['collector', '--clickhouse-password', 'CLICKHOUSE_PASSWORD'],
    ['start', '--api-tokens', 'MESHSCOPE_API_TOKENS'],
  ])('%s refuses %s on the command line and says to use %s', async (command, flag, env) => {
    const secret = 'do-not-echo-this-secret-value';
    const run = await meshscope([command, flag, secret]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${flag} is not accepted on the command line`);
    expect(run.stderr).toContain(env);
    expect(run.stderr + run.stdout).not.toContain(secret);
  });
});

describe('meshscope collector with a port already taken', () => {
  let dir: string;
  let blocker: Server;
  let takenPort: number;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'meshscope-cli-port-'));
    blocker = createServer();
    await new Promise<void>((resolve, reject) => {
      blocker.once('error', reject);
      blocker.listen({ host: '127.0.0.1', port: 0, exclusive: true }, resolve);
    });
    takenPort = (blocker.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => (blocker ? blocker.close(() => resolve()) : resolve()));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['OTLP/HTTP', 'http'],
    ['OTLP/gRPC', 'grpc'],
  ])(
    'exits non-zero saying the %s port is in use',
    async (_name, which) => {
      const ports =
        which === 'http'
          ? ['--otlp-http-port', String(takenPort), '--otlp-grpc-port', '0']
          : ['--otlp-http-port', '0', '--otlp-grpc-port', String(takenPort)];
      const run = await meshscope(
        ['collector', '--data-dir', join(dir, which), ...ports, '--log-level', 'warn'],
        {},
        120_000,
      );
      expect(run.code, run.stdout + run.stderr).not.toBe(0);
      expect(run.stderr).toContain(`127.0.0.1:${takenPort} is already in use`);
    },
    150_000,
  );
});

describe('meshscope agent: listener flags and V8 settings', () => {
  /**
   * Runs `meshscope agent` on free ports given as flags, plus `extra` flags; stops it once it says it
   * started. Resolves with its exit code and log.
   */
  function runAgent(
    nodeOptions: string | undefined,
    extra: string[] = ['--collector-url', 'http://127.0.0.1:9/'],
  ): Promise<{ code: number | null; out: string }> {
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !/^(MESHSCOPE_|CLICKHOUSE_|NODE_OPTIONS$)/.test(k)),
    );
    if (nodeOptions !== undefined) env.NODE_OPTIONS = nodeOptions;
    const args = [
      MAIN,
      'agent',
      '--workload',
      'cli-test',
      '--listen-host',
      '127.0.0.1',
      '--outbound-port',
      '0',
      '--inbound-port',
      '0',
      '--admin-port',
      '0',
      ...extra,
    ];
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const onData = (c: string) => {
        out += c;
        if (out.includes('agent started')) child.kill('SIGTERM');
      };
      child.stdout.setEncoding('utf8').on('data', onData);
      child.stderr.setEncoding('utf8').on('data', onData);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, out });
      });
    });
  }

  /** The log of an agent that started (rejects when it did not). */
  async function agentLog(nodeOptions: string | undefined): Promise<string> {
    const { out } = await runAgent(nodeOptions);
    if (!out.includes('agent started')) throw new Error(`meshscope agent did not start:\n${out}`);
    return out;
  }

  it('binds the ports given by --outbound-port and --admin-port (0: any free port, not the defaults)', async () => {
    const log = await agentLog('--max-semi-space-size=2');
    const started = JSON.parse(log.split('\n').find((l) => l.includes('agent started')) ?? '{}') as {
      outboundPort?: number;
      adminPort?: number;
    };
    expect(started.outboundPort).toBeGreaterThan(0);
    expect(started.outboundPort).not.toBe(15001);
    expect(started.adminPort).toBeGreaterThan(0);
    expect(started.adminPort).not.toBe(15000);
  }, 60_000);

  it('advises NODE_OPTIONS=--max-semi-space-size=2 when the young generation is not capped, and is quiet when it is', async () => {
    const without = await agentLog(undefined);
    expect(without).toContain('"advice":"NODE_OPTIONS=--max-semi-space-size=2"');
    const withIt = await agentLog('--max-semi-space-size=2');
    expect(withIt).not.toContain('advice');
  }, 60_000);

  it('--collector-ca-file that cannot be read: exits non-zero naming the setting', async () => {
    const { code, out } = await runAgent('--max-semi-space-size=2', [
      '--collector-url',
      'https://127.0.0.1:9/',
      '--collector-ca-file',
      '/nonexistent/collector-ca.pem',
    ]);
    expect(code).not.toBe(0);
    expect(out).toMatch(/telemetry\.collectorCaFile: .*ENOENT/);
    expect(out).not.toContain('agent started');
  }, 60_000);
});
