import { describe, expect, it } from 'vitest';
import { parseAgentConfig } from '../../src/index.js';
import { newTraceId } from '../../src/telemetry/ids.js';
import { Telemetry } from '../../src/telemetry/telemetry.js';
import { silent } from '../helpers.js';

const noGauges = { inflight: () => [], poolPending: () => [] };
const identity = {
  workload: 'w',
  namespace: 'n',
  app: 'a',
  version: 'v',
  principal: 'unknown',
  serviceName: 'a',
};

function telemetry(samplingRatio: number, enabled = true): Telemetry {
  const cfg = parseAgentConfig({
    identity: { workload: 'w' },
    telemetry: { samplingRatio, enabled, collectorUrl: 'http://127.0.0.1:9' },
  });
  return new Telemetry(cfg.telemetry, identity, noGauges, silent);
}

describe('parent-based ratio sampling', () => {
  it('follows a parent either way, whatever the ratio', async () => {
    const t = telemetry(0);
    const parent = {
      traceId: newTraceId(),
      spanId: 'a'.repeat(16),
      traceState: undefined,
      format: 'w3c' as const,
    };
    expect(t.sample({ ...parent, sampled: true }, parent.traceId)).toBe(true);
    expect(t.sample({ ...parent, sampled: false }, parent.traceId)).toBe(false);
    expect(t.sample('deny', parent.traceId)).toBe(false);
    await t.close(10);
  });

  it('samples roots at the configured ratio, deterministically per trace id', async () => {
    const t = telemetry(0.25);
    const ids = Array.from({ length: 20_000 }, () => newTraceId());
    const share = ids.filter((id) => t.sample(undefined, id)).length / ids.length;
    expect(share).toBeGreaterThan(0.23);
    expect(share).toBeLessThan(0.27);
    expect(ids.slice(0, 100).map((id) => t.sample(undefined, id))).toEqual(
      ids.slice(0, 100).map((id) => t.sample(undefined, id)),
    );
    await t.close(10);
  });

  it('defaults to Istio’s 1 %, and samples nothing with telemetry off', async () => {
    expect(parseAgentConfig({ identity: { workload: 'w' } }).telemetry.samplingRatio).toBe(0.01);
    const off = telemetry(1, false);
    expect(off.sample(undefined, newTraceId())).toBe(false);
    await off.close(10);
  });
});
