import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAgentConfig, startAgent } from '../../src/index.js';
import { silent, startBackend } from '../helpers.js';

/** The IPv4 address a socket of this machine listens on at `port`, from /proc/net/tcp (no traffic sent). */
function listeningOn(port: number): string | undefined {
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    const [addr, p] = (f[1] ?? '').split(':');
    if (f[3] !== '0A' || parseInt(p ?? '', 16) !== port || !addr) continue;
    // little-endian hex: 0100007F is 127.0.0.1
    return [6, 4, 2, 0].map((i) => parseInt(addr.slice(i, i + 2), 16)).join('.');
  }
  return undefined;
}

describe('listener addresses', () => {
  it('keeps the outbound listener on loopback when the others listen on every interface', async () => {
    // The outbound calls the mesh as this workload: reachable from other pods, it would let them do so too.
    const app = await startBackend('app');
    const agent = await startAgent(
      parseAgentConfig({
        identity: { workload: 'app-v1' },
        listeners: { host: '0.0.0.0', outboundPort: 0, inboundPort: 0, adminPort: 0 },
        app: { port: app.port },
        telemetry: { enabled: false },
      }),
      { logger: silent },
    );
    try {
      expect(listeningOn(agent.ports.outbound)).toBe('127.0.0.1');
      expect(listeningOn(agent.ports.inbound ?? 0)).toBe('0.0.0.0');
      expect(listeningOn(agent.ports.admin)).toBe('0.0.0.0');
    } finally {
      await agent.close();
      await app.close();
    }
  });
});
