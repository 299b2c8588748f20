/**
 * The 2 cores are shared with other work. Before each measurement, while our own processes are idle,
 * we sample how busy the machine is and wait (bounded) for it to calm down, and report what we saw, so a
 * figure taken under someone else's load is visible as such.
 */
import { readFileSync } from 'node:fs';

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
