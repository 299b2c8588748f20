import { ApiFailure } from '../../api/errors';

/** What a 403 to an alerts write means here: the token signed in with is a read token. */
export const READ_ONLY_TOKEN_MESSAGE =
  'This API token may read but not change alerts (it needs an admin token): sign out and sign in with one.';

/** The message to show beside a write the service refused for the token's role, or null. */
export function writeRefusal(error: Error | null): string | null {
  return error instanceof ApiFailure && error.forbidden ? READ_ONLY_TOKEN_MESSAGE : null;
}
