/** Thrown when bytes are not a well-formed DNS message (the server answers FORMERR or drops them). */
export class WireError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WireError';
  }
}
