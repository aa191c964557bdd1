/** What every `modelsmith` command shares: its input/output, exit codes and the store's home. */
import { InvalidArgumentError } from 'commander';
import { resolve } from 'node:path';

export const EXIT = { ok: 0, failed: 1, invalid: 2, interrupted: 130 } as const;

export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly interactive: boolean;
  readonly env: NodeJS.ProcessEnv;
}

export interface CommonOptions {
  home?: string;
  json?: boolean;
}

export function homeOf(options: CommonOptions, io: Io): string {
  return resolve(options.home ?? io.env.MODELSMITH_HOME ?? '.modelsmith');
}

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}
