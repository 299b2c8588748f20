/**
 * Prometheus' label-set fingerprint (`model.LabelSet.Fingerprint`): FNV-1a 64 over the sorted label names
 * and values, each followed by the 0xff separator, as 16 hex digits — the value Alertmanager shows, so an
 * alert is recognisable across meshscope, its webhooks and Alertmanager.
 */

const OFFSET = 14695981039346656037n;
const PRIME = 1099511628211n;
const MASK = (1n << 64n) - 1n;

export function fingerprint(labels: Readonly<Record<string, string>>): string {
  let h = OFFSET;
  const add = (byte: number): void => {
    h = ((h ^ BigInt(byte)) * PRIME) & MASK;
  };
  const encoder = new TextEncoder();
  for (const name of Object.keys(labels).sort()) {
    for (const b of encoder.encode(name)) add(b);
    add(0xff);
    for (const b of encoder.encode(labels[name] ?? '')) add(b);
    add(0xff);
  }
  return h.toString(16).padStart(16, '0');
}
