/** Tick offsets (µs from trace start) at round steps: 1, 2 or 5 × 10^n, about `target` of them. */
export function rulerTicks(durationUs: number, target = 5): number[] {
  if (durationUs <= 0) return [0];
  const raw = durationUs / target;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw) || 1;
  const ticks: number[] = [];
  for (let t = 0; t <= durationUs + 1e-9 && ticks.length < 50; t += step) ticks.push(t);
  return ticks;
}
