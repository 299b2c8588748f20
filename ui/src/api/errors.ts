/**
 * What can go wrong talking to the query service, told apart so the UI can say something useful: the
 * service is not there at all, it answered with an error (and which parameter was wrong), or it answered
 * with something this UI does not understand (a version mismatch).
 */

export type ApiFailureKind = 'unreachable' | 'http' | 'invalid-response';

export class ApiFailure extends Error {
  constructor(
    readonly kind: ApiFailureKind,
    message: string,
    readonly status?: number,
    readonly parameter?: string,
  ) {
    super(message);
    this.name = 'ApiFailure';
  }

  get notFound(): boolean {
    return this.kind === 'http' && this.status === 404;
  }

  /** no token, or one the service does not know: a sign-in is needed */
  get unauthorized(): boolean {
    return this.kind === 'http' && this.status === 401;
  }

  /** the token is known but may not do this (a write with a read token) */
  get forbidden(): boolean {
    return this.kind === 'http' && this.status === 403;
  }
}

export function unreachable(url: string): ApiFailure {
  return new ApiFailure(
    'unreachable',
    `The meshscope query service did not answer (${new URL(url, location.href).origin}). ` +
      'Check that it is running and reachable, then retry.',
  );
}
