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

/** utime and stime of `pid` in clock ticks (10 ms), with its waited-for children's when it is this process. */
function ticks(pid: number): { user: number; system: number } {
  try {
    // fields after the command name (which may hold spaces): utime, stime are the 12th and 13th
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const self = pid === process.pid;
    return {
      user: Number(f[11]) + (self ? Number(f[13]) : 0),
      system: Number(f[12]) + (self ? Number(f[14]) : 0),
    };
  } catch {
    return { user: 0, system: 0 }; // gone: a waited-for child's time moved to our cutime
  }
}

function ownTicks(pid: number): number {
  const t = ticks(pid);
  return t.user + t.system;
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

/** CPU time of one process per request, in µs: in user space and in the kernel. */
export interface CpuPerRequest {
  user: number;
  system: number;
}

/**
 * Starts counting the CPU time of `pids`; the function returned gives each one's µs per request over
 * `requests` requests since then (Linux clock ticks are 10 ms).
 */
export function watchCpu(pids: readonly number[]): (requests: number) => CpuPerRequest[] {
  const before = pids.map(ticks);
  return (requests) =>
    pids.map((p, i) => {
      const a = before[i] ?? { user: NaN, system: NaN };
      const b = ticks(p);
      return {
        user: ((b.user - a.user) * 10_000) / requests,
        system: ((b.system - a.system) * 10_000) / requests,
      };
    });
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
