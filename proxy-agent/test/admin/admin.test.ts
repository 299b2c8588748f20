import { describe, expect, it } from 'vitest';
import { isLoopback } from '../../src/admin/admin.js';

// The live side (POST /shutdown and /config from 127.0.0.1) is in reload-drain-upgrade.test.ts; tests send
// traffic to 127.0.0.1 only, so a caller from another address is judged here by the predicate itself.
describe('admin: who may call /config and /shutdown', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['::1', true],
    ['::ffff:127.0.0.1', true],
    ['10.0.0.7', false],
    ['::ffff:10.0.0.7', false],
    ['fe80::1', false],
    ['128.0.0.1', false],
    ['::ffff:1270:1', false],
    [undefined, false],
  ])('%s → %s', (address, local) => {
    expect(isLoopback(address)).toBe(local);
  });
});
