/**
 * Thrown when content does not hash to the digest it was fetched or pushed by. Not retryable: the
 * registry serves other bytes under that digest (corruption, or a proxy rewriting content), which
 * another attempt would only fetch again.
 */
export class DigestMismatchError extends Error {
  readonly expected: string;
  readonly actual: string;
  readonly retryable = false;

  constructor(expected: string, actual: string) {
    super(`digest mismatch: expected ${expected}, got ${actual}`);
    this.name = 'DigestMismatchError';
    this.expected = expected;
    this.actual = actual;
  }
}
