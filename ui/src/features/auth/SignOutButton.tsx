import { useQueryClient } from '@tanstack/react-query';
import { authSession } from '../../api/auth';

/**
 * Forgets the token and everything read with it: the cached answers are dropped, so the page asks the
 * service again, which (tokens being required) brings the sign-in panel back.
 */
export function SignOutButton() {
  const client = useQueryClient();
  const signOut = (): void => {
    authSession.signOut();
    void client.resetQueries();
  };
  return (
    <button type="button" className="sign-out" onClick={signOut}>
      Sign out
    </button>
  );
}
