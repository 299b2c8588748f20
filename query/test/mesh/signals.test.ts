import { describe, expect, it } from 'vitest';
import { mtlsShare } from '../../src/mesh/signals.js';

describe('mtlsShare', () => {
  it('is the mutual-TLS share of the requests that connected', () => {
    expect(mtlsShare({ via: 'mesh', mtlsRequests: 30, connectedRequests: 40 })).toBe(0.75);
  });

  it('is unknown for span-paired edges and when every request was aborted before connecting', () => {
    expect(mtlsShare({ via: 'spans', mtlsRequests: 0, connectedRequests: 10 })).toBeNull();
    expect(mtlsShare({ via: 'mesh', mtlsRequests: 0, connectedRequests: 0 })).toBeNull();
  });
});
