import { describe, expect, it } from 'vitest';
import { ParamError } from '../../src/params/errors.js';
import { LogfmtSyntaxError, parseLogfmt, parseLogfmtParam } from '../../src/params/logfmt.js';

describe('logfmt', () => {
  it.each([
    ['', {}],
    ['   ', {}],
    ['a=1', { a: '1' }],
    ['a=1 b=two', { a: '1', b: 'two' }],
    ['  a=1\t\tb=2  ', { a: '1', b: '2' }],
    ['msg="card declined"', { msg: 'card declined' }],
    ['msg="say \\"hi\\"" path="C:\\\\tmp"', { msg: 'say "hi"', path: 'C:\\tmp' }],
    ['multi="a\\nb\\tc\\rd"', { multi: 'a\nb\tc\rd' }],
    ['error', { error: 'true' }],
    ['error http.status_code=500', { error: 'true', 'http.status_code': '500' }],
    ['empty=', { empty: '' }],
    ['empty="" x=1', { empty: '', x: '1' }],
    ['url=http://h/?a=b&c=d', { url: 'http://h/?a=b&c=d' }],
    ['k=v=w', { k: 'v=w' }],
    ['quoted="a = b"', { quoted: 'a = b' }],
    ['unicode=ünï ключ="x y"', { unicode: 'ünï', ключ: 'x y' }],
    ['a=1 a=2', { a: '2' }],
  ] as const)('%j', (line, expected) => {
    expect(parseLogfmt(line)).toEqual(expected);
  });

  it('keeps keys in first-seen order, with the last value of a repeated key', () => {
    expect(Object.entries(parseLogfmt('b=1 a=2 b=3'))).toEqual([
      ['b', '3'],
      ['a', '2'],
    ]);
  });

  it('does not let a key named __proto__ touch the prototype', () => {
    const parsed = parseLogfmt('__proto__=x');
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.keys(parsed)).toEqual(['__proto__']);
  });

  it.each([
    ['=value', 1, 'a value without a key'],
    ['a=1 =2', 5, 'a value without a key'],
    ['msg="never closed', 5, 'never closed'],
    ['msg="a"b', 8, 'right after the closing quote'],
    ['msg=a"b"', 6, 'a quote inside the unquoted value'],
    ['"key"=v', 1, 'a quote where a key should start'],
    ['ke"y=v', 3, 'a quote inside the key'],
    ['msg="bad \\x escape"', 10, 'unknown escape'],
  ] as const)('rejects %j at column %i', (line, column, message) => {
    try {
      parseLogfmt(line);
      expect.unreachable('should have thrown');
    } catch (error) {
      expect(error).toBeInstanceOf(LogfmtSyntaxError);
      expect(error).toMatchObject({ column });
      expect((error as Error).message).toContain(message);
    }
  });

  it('names the parameter in errors', () => {
    expect(() => parseLogfmtParam('tags', 'msg="open')).toThrow(ParamError);
    expect(() => parseLogfmtParam('tags', 'msg="open')).toThrow(
      `invalid parameter 'tags': at column 5: the quoted value of "msg" is never closed`,
    );
    expect(parseLogfmtParam('tags', 'error')).toEqual({ error: 'true' });
  });
});
