import { describe, expect, it } from 'vitest';
import { formatLogfmt, parseLogfmt } from '../../src/lib/logfmt';

describe('parseLogfmt', () => {
  it('reads pairs separated by spaces, with quoted values', () => {
    expect(parseLogfmt('error=true http.response.status_code=500 msg="upstream \\"db\\" down"')).toEqual({
      ok: true,
      tags: [
        ['error', 'true'],
        ['http.response.status_code', '500'],
        ['msg', 'upstream "db" down'],
      ],
    });
  });
  it('accepts empty input and empty values', () => {
    expect(parseLogfmt('  ')).toEqual({ ok: true, tags: [] });
    expect(parseLogfmt('a=')).toEqual({ ok: true, tags: [['a', '']] });
  });
  it('points at the pair that is not key=value', () => {
    const result = parseLogfmt('error=true oops x=1');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain('"oops"');
  });
  it('rejects an unterminated quote', () => {
    expect(parseLogfmt('msg="never closed').ok).toBe(false);
  });
  it('round-trips through formatLogfmt', () => {
    const tags: [string, string][] = [
      ['k', 'plain'],
      ['q', 'with space'],
      ['e', 'say "hi"'],
    ];
    expect(parseLogfmt(formatLogfmt(tags))).toEqual({ ok: true, tags });
  });
});
