/**
 * V8 settings for a process that runs only an agent (`meshscope agent`, a sidecar). Measured with
 * `npm run bench:proxy` and /proc (ADR 0004, "V8's young generation"): at ~12k req/s V8's default young
 * generation grows to 2 × 16 MB and the agent peaks at 95–111 MB RSS. A 2 MB semi-space alone made it
 * worse (114–140 MB): the many short scavenges made V8 pretenure busy allocation sites, so per-request
 * objects went straight to the old generation and piled up there until a full GC. With pretenuring off
 * as well, the agent peaks at 72–77 MB at the same throughput.
 */
import v8 from 'node:v8';

/** What to start an agent process with: NODE_OPTIONS accepts it (the heap is sized before any code runs). */
export const AGENT_NODE_OPTIONS = '--max-semi-space-size=2';

/**
 * Turns allocation-site pretenuring off in this process (V8 reads that flag at each GC, so setting it
 * after start takes effect; NODE_OPTIONS does not accept it). Call it only in a process that runs the agent
 * alone: it changes how V8 places every object in the process. Returns whether the young generation was
 * capped at start as AGENT_NODE_OPTIONS advises (that cannot be changed once V8 runs).
 */
export function tuneV8ForAgent(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions = process.env.NODE_OPTIONS ?? '',
): boolean {
  v8.setFlagsFromString('--no-allocation-site-pretenuring');
  return /--max-semi-space-size[= ]\d/.test(`${execArgv.join(' ')} ${nodeOptions}`);
}
