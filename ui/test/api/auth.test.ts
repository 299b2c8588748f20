import { describe, expect, it } from 'vitest';
import { AuthSession, authorizationHeader, parseToken, type TokenStorage } from '../../src/api/auth';

/** sessionStorage's behaviour for the keys the session uses (Node has no Web Storage). */
class MemoryStorage implements TokenStorage {
  readonly items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
}

/** A browser whose privacy settings block storage: every access throws, as Chromium's SecurityError. */
const blocked: TokenStorage = {
  getItem: () => {
    throw new Error('SecurityError');
  },
  setItem: () => {
    throw new Error('SecurityError');
  },
  removeItem: () => {
    throw new Error('SecurityError');
  },
};

const READ = 'read-token-0123456789abcdef';
const ADMIN = 'admin-token-0123456789abcdef';
const NO_TOKEN = 'authentication required: send Authorization: Bearer <token>';
const UNKNOWN = "the bearer token is not one of this service's API tokens";

describe('parseToken', () => {
  it('drops the whitespace a paste brings along', () => {
    expect(parseToken(`  ${READ}\n`)).toEqual({ ok: true, token: READ });
  });
  it('refuses an empty token and one a header cannot carry', () => {
    expect(parseToken('   ').ok).toBe(false);
    expect(parseToken('two words').ok).toBe(false);
    expect(parseToken('tokén-with-accent').ok).toBe(false);
  });
});

describe('authorizationHeader', () => {
  it('sends a bearer token, and nothing without one', () => {
    expect(authorizationHeader(READ)).toEqual({ Authorization: `Bearer ${READ}` });
    expect(authorizationHeader(null)).toEqual({});
  });
});

describe('AuthSession', () => {
  it('starts signed out and asks nothing until the service refuses a request', () => {
    const session = new AuthSession(new MemoryStorage());
    expect(session.snapshot()).toEqual({ token: null, challenge: null });
  });

  it('asks for a token when a request without one is refused, with the service’s reason', () => {
    const session = new AuthSession(new MemoryStorage());
    session.refused(null, NO_TOKEN);
    expect(session.snapshot()).toEqual({ token: null, challenge: NO_TOKEN });
  });

  it('keeps a signed-in token in the storage, so a reload of the tab still has it', () => {
    const storage = new MemoryStorage();
    const session = new AuthSession(storage);
    session.refused(null, NO_TOKEN);
    session.signIn(READ);
    expect(session.snapshot()).toEqual({ token: READ, challenge: null });
    expect([...storage.items.values()]).toEqual([READ]);
    expect(new AuthSession(storage).token).toBe(READ);
  });

  it('drops a token the service no longer accepts, and asks again with its reason', () => {
    const storage = new MemoryStorage();
    const session = new AuthSession(storage);
    session.signIn(READ);
    session.refused(READ, UNKNOWN);
    expect(session.snapshot()).toEqual({ token: null, challenge: UNKNOWN });
    expect(storage.items.size).toBe(0);
  });

  it('ignores a refusal of a request sent before the current token was signed in', () => {
    const session = new AuthSession(new MemoryStorage());
    session.signIn(ADMIN);
    session.refused(null, NO_TOKEN); // an answer to a request sent while signed out
    session.refused(READ, UNKNOWN); // an answer to a request sent with the previous token
    expect(session.snapshot()).toEqual({ token: ADMIN, challenge: null });
  });

  it('forgets the token on sign-out', () => {
    const storage = new MemoryStorage();
    const session = new AuthSession(storage);
    session.signIn(READ);
    session.signOut();
    expect(session.snapshot()).toEqual({ token: null, challenge: null });
    expect(storage.items.size).toBe(0);
    expect(new AuthSession(storage).token).toBeNull();
  });

  it('does not restore a stored value a header could not carry', () => {
    const storage = new MemoryStorage();
    new AuthSession(storage).signIn(READ);
    const key = [...storage.items.keys()][0] ?? '';
    storage.setItem(key, 'not a token');
    expect(new AuthSession(storage).token).toBeNull();
  });

  it('tells subscribers of each change once, with a snapshot that stays the same object until then', () => {
    const session = new AuthSession(new MemoryStorage());
    let calls = 0;
    const unsubscribe = session.subscribe(() => calls++);
    const before = session.snapshot();
    session.refused(null, NO_TOKEN);
    session.refused(null, NO_TOKEN); // every query of a page is refused with the same reason
    expect(calls).toBe(1);
    const challenged = session.snapshot();
    expect(challenged).not.toBe(before);
    expect(session.snapshot()).toBe(challenged);
    unsubscribe();
    session.signIn(READ);
    expect(calls).toBe(1);
  });

  it('works in memory when the browser blocks storage', () => {
    const session = new AuthSession(blocked);
    expect(session.token).toBeNull();
    session.signIn(READ);
    expect(session.token).toBe(READ);
    session.signOut();
    expect(session.token).toBeNull();
  });
});
