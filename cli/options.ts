import { InvalidArgumentError } from 'commander';

/** commander argument parser for a TCP port: a whole number 1–65535. */
export function portOption(value: string): number {
  const n = Number(value);
  if (!/^\d{1,5}$/.test(value) || n < 1 || n > 65535)
    throw new InvalidArgumentError(`must be a port number 1–65535, got "${value}"`);
  return n;
}
