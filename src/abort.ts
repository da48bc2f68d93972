/**
 * How a long call stops when its `AbortSignal` fires: it settles with a `StylecastError` whose
 * code is `ABORTED`, whatever the signal's reason was, and says what it was doing.
 */
import { StylecastError } from './errors.js';

export function abortError(signal: AbortSignal, task: string): StylecastError {
  const reason: unknown = signal.reason;
  if (reason instanceof StylecastError && reason.code === 'ABORTED') return reason;
  return new StylecastError('ABORTED', `Stopped while ${task}`, { cause: reason });
}

export function throwIfAborted(signal: AbortSignal | undefined, task: string): void {
  if (signal?.aborted) throw abortError(signal, task);
}
