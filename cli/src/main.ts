#!/usr/bin/env node
type Command = (argv: string[], env: NodeJS.ProcessEnv) => Promise<void>;

/**
 * Each command's module is loaded only when it runs: a sidecar's `meshscope agent` never loads the
 * collector, the query service or ClickHouse's client (measured: 109 → 75 MB RSS at start).
 */
const COMMANDS: Record<string, { run: () => Promise<Command>; summary: string }> = {
  start: {
    run: async () => (await import('./commands/start.js')).startCommand,
    summary: 'the all-in-one: collector + query API + UI on one storage',
  },
  collector: {
    run: async () => (await import('./commands/collector.js')).collectorCommand,
    summary: 'OTLP receivers (4317 gRPC, 4318 HTTP) writing to ClickHouse',
  },
  query: {
    run: async () => (await import('./commands/query.js')).queryCommand,
    summary: 'query API (Jaeger-compatible and mesh) and the UI on 16686',
  },
  migrate: {
    run: async () => (await import('./commands/migrate.js')).migrateCommand,
    summary: 'apply the ClickHouse schema and exit',
  },
  agent: {
    run: async () => (await import('./commands/agent.js')).agentCommand,
    summary: 'the sidecar proxy agent for one workload',
  },
  demo: {
    run: async () => (await import('./commands/demo.js')).demoCommand,
    summary: 'the demo mesh of a running start: `demo fault on|off` fires and resolves its alert',
  },
  ca: {
    run: async () => (await import('./commands/ca.js')).caCommand,
    summary: 'mesh CA: init, issue SPIFFE certificates, tokens, serve the signing endpoint',
  },
};

/** Errors that are the user's to fix (bad flags, config, storage): a message, not a stack. */
const USER_ERRORS: ReadonlySet<string> = new Set([
  'ConfigError',
  'CliError',
  'StorageOpenError',
  'SchemaTooNewError',
  'RuleValidationError',
]);

function overview(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length)) + 2;
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}${c.summary}`);
  return `Usage: meshscope <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nmeshscope <command> --help lists the options of a command.\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(overview());
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`meshscope: unknown command ${JSON.stringify(name)}\n\n${overview()}`);
    return 2;
  }
  try {
    const run = await command.run();
    await run(rest, process.env);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof Error && USER_ERRORS.has(err.name)) {
      process.stderr.write(`meshscope ${name}: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`meshscope ${name}: ${(err as Error)?.stack ?? String(err)}\n`);
    return 1;
  }
}

// Exit explicitly: an embedded ClickHouse or a lingering socket must not keep a stopped process alive.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`meshscope: ${String(err)}\n`);
    process.exit(1);
  },
);
