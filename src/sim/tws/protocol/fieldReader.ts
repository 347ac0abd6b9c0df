import { ProtocolViolation } from './framing';

/** Reads the fields of one client request in order, rejecting values no real client would encode. */
export class FieldReader {
  private index = 0;

  constructor(
    private readonly fields: readonly string[],
    private readonly what: string,
  ) {}

  private next(name: string): string {
    if (this.index >= this.fields.length) throw new ProtocolViolation(`${this.what}: missing field ${name}`);
    return this.fields[this.index++];
  }

  str(name: string): string {
    return this.next(name);
  }

  /** Integer; empty counts as 0 (how the client encodes undefined numbers). */
  int(name: string): number {
    const raw = this.next(name);
    if (raw === '') return 0;
    if (!/^-?\d+$/.test(raw))
      throw new ProtocolViolation(`${this.what}: field ${name} is not an integer: ${JSON.stringify(raw.slice(0, 30))}`);
    return Number(raw);
  }

  /** Decimal number or undefined when empty. */
  num(name: string): number | undefined {
    const raw = this.next(name);
    if (raw === '') return undefined;
    const value = Number(raw);
    if (!Number.isFinite(value))
      throw new ProtocolViolation(`${this.what}: field ${name} is not a number: ${JSON.stringify(raw.slice(0, 30))}`);
    return value;
  }

  bool(name: string): boolean {
    return this.int(name) !== 0;
  }

  skip(count: number): void {
    for (let i = 0; i < count; i += 1) this.next('(skipped)');
  }
}
