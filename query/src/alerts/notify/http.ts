/**
 * One JSON POST with a deadline per attempt and retries with doubling backoff on what may pass (network
 * errors, timeouts, 5xx, 429); other 4xx are final (the receiver refused the payload). The error says what
 * happened without the URL, which may carry a secret.
 */

export interface Delivery {
  timeoutSec: number;
  maxRetries: number;
  retryBackoffMs: number;
}

export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly attempts: number,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });

export async function postJson(url: string, body: unknown, d: Delivery, cancel?: AbortSignal): Promise<void> {
  const text = JSON.stringify(body);
  let last = '';
  const attempts = d.maxRetries + 1;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (cancel?.aborted) throw new DeliveryError('shutting down before delivery', attempt - 1);
    try {
      const signals = [AbortSignal.timeout(d.timeoutSec * 1000), ...(cancel ? [cancel] : [])];
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: text,
        signal: AbortSignal.any(signals),
      });
      const answer = (await res.text()).slice(0, 200);
      if (res.ok) return;
      last = `HTTP ${res.status}${answer ? `: ${answer}` : ''}`;
      if (res.status < 500 && res.status !== 429) throw new DeliveryError(last, attempt);
    } catch (err) {
      if (err instanceof DeliveryError) throw err;
      const e = err as Error & { cause?: { code?: string } };
      last =
        e.name === 'TimeoutError'
          ? `no answer within ${d.timeoutSec}s`
          : `${e.cause?.code ?? e.name}: ${e.cause && 'message' in e.cause ? String((e.cause as Error).message) : e.message}`;
    }
    if (attempt < attempts) await sleep(d.retryBackoffMs * 2 ** (attempt - 1), cancel);
  }
  throw new DeliveryError(`${last} (after ${attempts} attempts)`, attempts);
}
