import { InvalidArgumentError } from 'commander';

/** A commander parser for an integer option within bounds, shared by the simulators' command lines. */
export function integer(name: string, min: number, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      throw new InvalidArgumentError(`${name} must be an integer in ${min}..${max}`);
    }
    return Number(value);
  };
}
