import { useSyncExternalStore } from 'react';
import { authSession, type AuthState } from '../api/auth';

/** The tab's API token state: re-renders when a sign-in, a sign-out or a refusal changes it. */
export function useAuthSession(): AuthState {
  return useSyncExternalStore(authSession.subscribe, authSession.snapshot);
}
