/** A row that cannot be written as given (wrong shape, non-finite number): retrying will not help. */
export class InvalidRowError extends Error {
  override readonly name = 'InvalidRowError';
  constructor(message: string) {
    super(message);
  }
}
