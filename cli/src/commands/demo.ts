import { z } from 'zod';
import { logLevelSchema } from '../config/log-level.js';
import { loadConfig, usage } from '../config/load.js';
import { COMMON_OPTIONS, STORAGE_OPTIONS } from '../config/options.js';
import { demoDir } from '../demo/demo.js';
import { FAULTS } from '../demo/mesh.js';
import { demoFiles, readState, setFault } from '../demo/state.js';
import { CliError } from './lifecycle.js';

const OPTIONS = [...COMMON_OPTIONS, ...STORAGE_OPTIONS.filter((o) => o.flag === 'data-dir')];
/** Only the keys this command reads; a shared config file may hold every other section. */
const schema = z.object({
  logLevel: logLevelSchema.default('info'),
  dataDir: z.string().min(1).default('./data'),
});

const SUMMARY =
  'The demo mesh of a running `meshscope start`.\n\n' +
  `  demo fault on    ratings fails ${FAULTS.high.abortPercent} % of requests: DemoRatingsErrorRate fires after its minute\n` +
  `  demo fault off   back to the demo's ${FAULTS.low.abortPercent} %: the alert resolves`;

/** `meshscope demo fault on|off`: rewrites the demo's mesh file, which its agents hot-reload. */
export async function demoCommand(argv: string[], env: NodeJS.ProcessEnv): Promise<void> {
  // `demo fault on|off [options]`: the words come first, then the flags
  const words = argv.slice(0, 2).filter((a) => !a.startsWith('-'));
  const { config, help } = await loadConfig(schema, OPTIONS, argv.slice(words.length), env);
  const [sub, level] = words;
  if (help || sub === undefined) {
    process.stdout.write(usage('demo fault on|off', SUMMARY, OPTIONS));
    return;
  }
  if (sub !== 'fault' || (level !== 'on' && level !== 'off'))
    throw new CliError(`expected "demo fault on" or "demo fault off", got "demo ${words.join(' ')}"`);
  const dir = demoDir(config.dataDir);
  const state = await readState(dir);
  if (!state)
    throw new CliError(
      `no demo in ${config.dataDir}: run \`meshscope start\` (without --no-demo) with this --data-dir first`,
    );
  await setFault(dir, state, level === 'on' ? 'high' : 'low');
  const percent = FAULTS[level === 'on' ? 'high' : 'low'].abortPercent;
  process.stdout.write(
    `ratings now fails ${percent} % of requests (${demoFiles(dir).mesh}); ` +
      (level === 'on' ? 'DemoRatingsErrorRate fires in about a minute.\n' : 'the alert resolves shortly.\n'),
  );
}
