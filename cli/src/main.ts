#!/usr/bin/env node
import { StorageOpenError, SchemaTooNewError } from '@meshscope/collector';
import { RuleValidationError } from '@meshscope/query';
import { agentCommand } from './commands/agent.js';
import { caCommand } from './commands/ca.js';
import { collectorCommand } from './commands/collector.js';
import { demoCommand } from './commands/demo.js';
import { CliError } from './commands/lifecycle.js';
import { migrateCommand } from './commands/migrate.js';
import { queryCommand } from './commands/query.js';
import { startCommand } from './commands/start.js';
import { ConfigError } from './config/load.js';

type Command = (argv: string[], env: NodeJS.ProcessEnv) => Promise<void>;

const COMMANDS: Record<string, { run: Command; summary: string }> = {
  start: { run: startCommand, summary: 'the all-in-one: collector + query API + UI on one storage' },
  collector: {
    run: collectorCommand,
    summary: 'OTLP receivers (4317 gRPC, 4318 HTTP) writing to ClickHouse',
  },
  query: { run: queryCommand, summary: 'query API (Jaeger-compatible and mesh) and the UI on 16686' },
  migrate: { run: migrateCommand, summary: 'apply the ClickHouse schema and exit' },
  agent: { run: agentCommand, summary: 'the sidecar proxy agent for one workload' },
  demo: {
    run: demoCommand,
    summary: 'the demo mesh of a running start: `demo fault on|off` fires and resolves its alert',
  },
  ca: {
    run: caCommand,
    summary: 'mesh CA: init, issue SPIFFE certificates, tokens, serve the signing endpoint',
  },
};

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
    await command.run(rest, process.env);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (
      err instanceof ConfigError ||
      err instanceof CliError ||
      err instanceof StorageOpenError ||
      err instanceof SchemaTooNewError ||
      err instanceof RuleValidationError
    ) {
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
