import { describe, expect, it } from 'vitest';
import { ApiFailure } from '../../../src/api/errors';
import { READ_ONLY_TOKEN_MESSAGE, writeRefusal } from '../../../src/features/alerts/write-refusal';

describe('writeRefusal', () => {
  it('explains a 403 as a read token trying to change alerts', () => {
    const forbidden = new ApiFailure('http', 'POST changes state and needs an admin token', 403);
    expect(writeRefusal(forbidden)).toBe(READ_ONLY_TOKEN_MESSAGE);
    expect(READ_ONLY_TOKEN_MESSAGE).toMatch(/may read but not change alerts.*admin token/);
  });
  it('leaves every other failure to the form', () => {
    expect(writeRefusal(null)).toBeNull();
    expect(writeRefusal(new ApiFailure('http', 'invalid window', 400, 'signal.window'))).toBeNull();
    expect(writeRefusal(new ApiFailure('http', 'no token', 401))).toBeNull();
    expect(writeRefusal(new ApiFailure('unreachable', 'down'))).toBeNull();
    expect(writeRefusal(new Error('boom'))).toBeNull();
  });
});
