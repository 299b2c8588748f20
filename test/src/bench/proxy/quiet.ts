/**
 * The 2 cores are shared with other work. Before each measurement, while our own processes are idle,
 * we sample how busy the machine is and wait (bounded) for it to calm down, and report what we saw, so a
 * figure taken under someone else's load is visible as such.
 */
import { readdirSync, readFileSync } from 'node:fs';

function cpuTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  const total = v.reduce((s, x) => s + x, 0);
  return { busy: total - idle, total };
}

/** Share of the machine busy (0–1) over `ms`, everything included. */
export async function busyShare(ms = 500): Promise<number> {
  const a = cpuTicks();
  await new Promise((r) => setTimeout(r, ms));
  const b = cpuTicks();
  return b.total === a.total ? 0 : (b.busy - a.busy) / (b.total - a.total);
}

/** Waits until background load is under `limit` (at most `maxWaitMs`); returns the last share seen. */
export async function waitForQuiet(limit = 0.15, maxWaitMs = 5000): Promise<number> {
  const deadline = Date.now() + maxWaitMs;
  let share = await busyShare();
  while (share > limit && Date.now() < deadline) share = await busyShare();
  return share;
}

function ownTicks(pid: number): number {
  try {
    // fields after the command name (which may hold spaces): utime, stime are the 12th and 13th
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const waited = pid === process.pid ? Number(f[13]) + Number(f[14]) : 0;
    return Number(f[11]) + Number(f[12]) + waited;
  } catch {
    return 0; // gone: a waited-for child's time moved to our cutime
  }
}

function descendants(pid: number, out: number[] = []): number[] {
  out.push(pid);
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const kids = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      for (const k of kids ? kids.split(' ') : []) descendants(Number(k), out);
    }
  } catch {
    // exited while we looked
  }
  return out;
}

/** CPU ticks of this process and everything it started (agents, backend, nginx, wrk), waited-for included. */
function benchTicks(): number {
  return descendants(process.pid).reduce((s, p) => s + ownTicks(p), 0);
}

/**
 * Starts counting the CPU time (user + system) of `pids`; the function returned gives each one's µs per
 * request over `requests` requests since then (Linux clock ticks are 10 ms).
 */
export function watchCpu(pids: readonly number[]): (requests: number) => number[] {
  const before = pids.map(ownTicks);
  return (requests) => pids.map((p, i) => ((ownTicks(p) - (before[i] ?? NaN)) * 10_000) / requests);
}

/**
 * Measures, over a measurement, the share of the machine busy with work that is not ours: the total busy
 * time minus the time of this process tree. Sampling only before a measurement misses work that starts
 * during it.
 */
export function watchOthers(): () => number {
  const a = cpuTicks();
  const ownA = benchTicks();
  return () => {
    const b = cpuTicks();
    const own = benchTicks() - ownA;
    const total = b.total - a.total;
    return total === 0 ? 0 : Math.max(0, (b.busy - a.busy - own) / total);
  };
}
