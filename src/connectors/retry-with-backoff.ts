import type { RetryConfig } from '../config/connector-schema';

/** What one try of a retried operation found: done, worth another try, or not worth one. */
export type TryOutcome<T> = { done: true; value: T } | { done: false; retry: boolean; error: Error };

/**
 * Runs `attempt` up to `policy.attempts` times, waiting between tries with exponential backoff and full jitter
 * (a random wait up to base·2ⁿ, capped at maxMs), so connectors that fail together do not retry in step.
 * Returns the value of the first try that is done; throws the last error when tries run out, when a try says
 * retrying is pointless, or when `signal` aborts during a wait.
 * @example const body = await retryWithBackoff({ attempts: 5, baseMs: 200, maxMs: 5000 }, signal, async (n) => ...)
 */
export async function retryWithBackoff<T>(
  policy: RetryConfig,
  signal: AbortSignal,
  attempt: (tryNumber: number) => Promise<TryOutcome<T>>,
  onRetry?: (tryNumber: number, waitMs: number, error: Error) => void,
): Promise<T> {
  for (let n = 1; ; n++) {
    const outcome = await attempt(n);
    if (outcome.done) return outcome.value;
    if (!outcome.retry || n >= policy.attempts || signal.aborted) throw outcome.error;
    const waitMs = backoffDelay(policy, n);
    onRetry?.(n, waitMs, outcome.error);
    await sleep(waitMs, signal);
    if (signal.aborted) throw outcome.error;
  }
}

/** The wait after the n-th failed try (n ≥ 1): uniform in [0, min(maxMs, baseMs·2ⁿ⁻¹)]. */
export function backoffDelay(policy: Pick<RetryConfig, 'baseMs' | 'maxMs'>, n: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(n - 1, 30));
  return Math.round(random() * ceiling);
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
