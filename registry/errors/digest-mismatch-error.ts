/** Thrown when content does not hash to the digest it was fetched or pushed by. */
export class DigestMismatchError extends Error {
  readonly expected: string;
  readonly actual: string;

  constructor(expected: string, actual: string) {
    super(`digest mismatch: expected ${expected}, got ${actual}`);
    this.name = 'DigestMismatchError';
    this.expected = expected;
    this.actual = actual;
  }
}
