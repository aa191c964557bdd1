/**
 * Shared test helpers: temporary folders, example paths and a spec builder.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseSpec } from '../src/core/spec/parse.js';
import type { SearchSpec, SearchSpecInput } from '../src/core/spec/schema.js';

export const PROJECT_ROOT = resolve(import.meta.dirname, '..');
export const EXAMPLES = join(PROJECT_ROOT, 'examples');
export const DATASETS = join(EXAMPLES, 'datasets');

/** A fresh temporary folder and its cleanup. */
export async function tempDir(prefix = 'modelsmith-test-'): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

/** A small valid iris spec with overrides. */
export function irisSpecInput(overrides: Partial<SearchSpecInput> = {}): SearchSpecInput {
  return {
    name: 'iris-test',
    task: 'classification',
    dataset: { uri: join(DATASETS, 'iris.csv'), target: 'species' },
    space: { family: 'mlp', epochs: 5, mlp: { layers: 1, units: 8 } },
    budget: { maxTrials: 2, maxParallel: 1 },
    ...overrides,
  } as SearchSpecInput;
}

export function irisSpec(overrides: Partial<SearchSpecInput> = {}): SearchSpec {
  return parseSpec(irisSpecInput(overrides));
}
