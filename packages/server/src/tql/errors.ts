/**
 * The one error type the TQL parser, printer and date functions throw. `position` is the 0-based
 * character offset the problem was found at; the message is a complete sentence naming it 1-based.
 */
export class TqlError extends Error {
  constructor(message: string, readonly position: number) {
    super(message);
    this.name = 'TqlError';
  }
}
