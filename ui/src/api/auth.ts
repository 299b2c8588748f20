/**
 * The API token of this browser tab. A query service with tokens configured answers 401 to every /api
 * request without a known one; the UI then asks for a token, keeps it in sessionStorage (gone when the tab
 * closes, never in localStorage or the URL, where it would outlive the session or leak into history and
 * shared links) and sends it as `Authorization: Bearer` on every request.
 */

/** The part of the Web Storage API the session uses (sessionStorage in the browser). */
export interface TokenStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface AuthState {
  /** the token sent with every request, or null */
  token: string | null;
  /** why the service refused the last request (its own message), while a sign-in is needed; else null */
  challenge: string | null;
}

const STORAGE_KEY = 'meshscope.apiToken';

/** RFC 9110 header values are visible ASCII here: no spaces, nothing fetch() would refuse to send. */
const TOKEN_CHARS = /^[\x21-\x7e]+$/;

export type ParsedToken = { ok: true; token: string } | { ok: false; error: string };

/** A token as typed or pasted: surrounding whitespace dropped, anything a header cannot carry refused. */
export function parseToken(input: string): ParsedToken {
  const token = input.trim();
  if (token === '') return { ok: false, error: 'Enter an API token.' };
  if (!TOKEN_CHARS.test(token)) {
    return {
      ok: false,
      error: 'An API token is letters, digits and punctuation, without spaces. Paste it again.',
    };
  }
  return { ok: true, token };
}

/** The Authorization header for `token`, or none. */
export function authorizationHeader(token: string | null): Record<string, string> {
  return token === null ? {} : { Authorization: `Bearer ${token}` };
}

/**
 * Storage that never throws: a browser that blocks storage (some privacy settings) throws on access, and
 * then the token lives only in memory, for as long as the page.
 */
function guarded(storage: TokenStorage | null): TokenStorage | null {
  if (storage === null) return null;
  return {
    getItem: (key) => {
      try {
        return storage.getItem(key);
      } catch {
        return null;
      }
    },
    setItem: (key, value) => {
      try {
        storage.setItem(key, value);
      } catch {
        // kept in memory only
      }
    },
    removeItem: (key) => {
      try {
        storage.removeItem(key);
      } catch {
        // nothing stored
      }
    },
  };
}

/** The token and whether the service wants one, observable with React's useSyncExternalStore. */
export class AuthSession {
  private readonly storage: TokenStorage | null;
  private state: AuthState;
  private readonly listeners = new Set<() => void>();

  constructor(storage: TokenStorage | null) {
    this.storage = guarded(storage);
    const stored = this.storage?.getItem(STORAGE_KEY) ?? null;
    const parsed = stored === null ? null : parseToken(stored);
    this.state = { token: parsed?.ok ? parsed.token : null, challenge: null };
  }

  get token(): string | null {
    return this.state.token;
  }

  /** The current state; the same object until it changes. */
  readonly snapshot = (): AuthState => this.state;

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Use `token` from now on (the caller has checked that the service accepts it). */
  signIn(token: string): void {
    this.storage?.setItem(STORAGE_KEY, token);
    this.set({ token, challenge: null });
  }

  /** Forget the token; the next request the service refuses asks for one again. */
  signOut(): void {
    this.storage?.removeItem(STORAGE_KEY);
    this.set({ token: null, challenge: null });
  }

  /**
   * The service answered 401 to a request sent with `sentToken`, saying `reason`. A refusal of a token
   * that is no longer the current one (an answer to a request from before a sign-in) changes nothing;
   * otherwise the token is dropped and a sign-in is asked for.
   */
  refused(sentToken: string | null, reason: string): void {
    if (sentToken !== this.state.token) return;
    if (sentToken !== null) this.storage?.removeItem(STORAGE_KEY);
    this.set({ token: null, challenge: reason });
  }

  private set(next: AuthState): void {
    if (next.token === this.state.token && next.challenge === this.state.challenge) return;
    this.state = next;
    for (const listener of this.listeners) listener();
  }
}

function browserSessionStorage(): TokenStorage | null {
  try {
    return typeof sessionStorage === 'undefined' ? null : sessionStorage;
  } catch {
    return null; // storage blocked: reading the property itself throws
  }
}

/** The tab's one session, shared by the API client and the sign-in panel. */
export const authSession = new AuthSession(browserSessionStorage());
