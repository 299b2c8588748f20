import { useQueryClient } from '@tanstack/react-query';
import { useId, useRef, useState, type FormEvent } from 'react';
import { authSession, parseToken } from '../../api/auth';
import { checkToken } from '../../api/client';

/**
 * Shown instead of the page while the service refuses requests for want of a token. The token is checked
 * with the service before it is kept, so a wrong one stays here with the service's reason; an accepted
 * one refetches every query the page had asked for.
 */
export function SignInPanel({ reason }: { reason: string }) {
  const client = useQueryClient();
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [checking, setChecking] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const id = useId();

  const refuse = (message: string): void => {
    setError(message);
    setValue('');
    input.current?.focus();
  };

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const parsed = parseToken(value);
    if (!parsed.ok) {
      refuse(parsed.error);
      return;
    }
    setChecking(true);
    setError(null);
    checkToken(parsed.token)
      .then((refusal) => {
        if (refusal !== null) {
          refuse(refusal);
          return;
        }
        authSession.signIn(parsed.token);
        void client.invalidateQueries();
      })
      .catch((failure: unknown) => refuse(failure instanceof Error ? failure.message : String(failure)))
      .finally(() => setChecking(false));
  };

  const shown = error ?? reason;
  return (
    <section className="sign-in" aria-labelledby={`${id}-title`}>
      <form className="card sign-in-card" onSubmit={submit} aria-label="Sign in" noValidate>
        <h1 id={`${id}-title`}>This meshscope needs an API token</h1>
        <p className="muted">
          Ask the person who runs it for a read token (or an admin token to change alerts). It is kept in this
          tab only, until you sign out or close it.
        </p>
        <div className="sign-in-reason" role="alert">
          <strong>{error ? 'Not accepted: ' : 'The service said: '}</strong>
          {shown}
        </div>
        <div className="field">
          <label htmlFor={`${id}-token`}>API token</label>
          <input
            ref={input}
            id={`${id}-token`}
            type="password"
            autoComplete="off"
            spellCheck={false}
            autoFocus
            value={value}
            readOnly={checking}
            aria-invalid={error !== null}
            onChange={(e) => setValue(e.target.value)}
          />
        </div>
        <div className="form-actions">
          <button type="submit" className="primary" disabled={checking}>
            {checking ? 'Checking…' : 'Sign in'}
          </button>
        </div>
      </form>
    </section>
  );
}
