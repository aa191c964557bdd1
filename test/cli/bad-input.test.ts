/**
 * Bad input at the command line: each case exits with code 2, prints a message naming
 * what is wrong and where, and writes nothing to the modelsmith home.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { EXIT, main } from '../../src/cli/main.js';
import { DATASETS, tempDir } from '../helpers.js';

let dir: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  dir = await tempDir();
  await writeFile(join(dir.path, 'broken.csv'), 'a,b,species\n1,2,x\n3,"4\n');
  await writeFile(join(dir.path, 'rare.csv'), 'a,species\n' + Array.from({ length: 40 }, (_, i) => `${i},${i < 37 ? 'common' : 'rare'}`).join('\n') + '\n');
});
afterAll(() => dir.cleanup());

const good = () => ({
  name: 'bad-input',
  task: 'classification',
  dataset: { uri: join(DATASETS, 'iris.csv'), target: 'species' },
  space: { family: 'mlp', epochs: 2 },
  budget: { maxTrials: 1, maxParallel: 1 },
});

async function run(name: string, spec: unknown, raw = false): Promise<{ code: number; err: string; home: string }> {
  const path = join(dir.path, `${name}.yaml`);
  if (spec !== undefined) await writeFile(path, raw ? String(spec) : stringify(spec));
  const home = join(dir.path, `home-${name}`);
  const err: string[] = [];
  const code = await main(['search', path, '--home', home, '--data-root', DATASETS], {
    out: () => {},
    err: (t) => err.push(t),
    interactive: false,
    env: {},
  });
  return { code, err: err.join('\n'), home };
}

const cases: [string, () => unknown, RegExp, boolean?][] = [
  ['unknown field', () => ({ ...good(), budjet: {} }), /budjet: unknown field; did you mean budget\?/],
  ['wrong type', () => ({ ...good(), budget: { maxTrials: 'ten' } }), /budget\.maxTrials: expected number, received string/],
  ['empty space', () => ({ ...good(), space: { family: [] } }), /space\.family: name at least one model family/],
  ['empty choice list', () => ({ ...good(), space: { family: 'mlp', batchSize: [] } }), /space\.batchSize: a list of choices must not be empty/],
  ['metric of the other task', () => ({ ...good(), objective: { metric: 'rmse' } }), /objective\.metric: rmse is not a classification metric/],
  ['invalid YAML', () => 'name: [unclosed\n', /not valid YAML\/JSON/, true],
  ['missing target column', () => ({ ...good(), dataset: { uri: join(DATASETS, 'iris.csv'), target: 'kind' } }), /dataset\.target: no column named "kind"; the dataset has sepal_length/],
  ['missing dataset', () => ({ ...good(), dataset: { uri: join(DATASETS, 'nope.csv'), target: 'species' } }), /dataset\.uri: no file at .*nope\.csv/],
  ['dataset outside the allowed folders', () => ({ ...good(), dataset: { uri: '/etc/hostname', target: 'species' } }), /dataset\.uri: \/etc\/hostname resolves outside the folders datasets may be read from/],
  ['unreadable CSV', () => ({ ...good(), dataset: { uri: './broken.csv', target: 'species' } }), /broken\.csv is not valid CSV/],
  ['class too small for the folds', () => ({ ...good(), dataset: { uri: './rare.csv', target: 'species' }, evaluation: { folds: 5, testFraction: 0.1 } }), /evaluation\.folds: class "rare" has \d example\(s\) outside the test split, fewer than the 5 folds/],
  ['image shape that does not fit', () => ({ ...good(), dataset: { uri: join(DATASETS, 'digits.csv'), target: 'digit', kind: 'image', shape: [8, 7, 1] } }), /dataset\.shape: 8x7x1 needs 56 pixel columns but 64/],
  ['constraints no candidate can meet', () => ({ ...good(), constraints: { maxParams: 10 } }), /constraints: no candidate in the space meets maxParams 10/],
  ['regression on a text target', () => ({ ...good(), task: 'regression' }), /dataset\.target: regression needs a numeric target but species holds text/],
];

describe('modelsmith search with bad input', () => {
  for (const [name, spec, message, raw] of cases) {
    it(`${name}: exits 2, explains, writes nothing`, async () => {
      const result = await run(name.replace(/\W+/g, '-'), spec(), raw);
      expect(result.err).toMatch(message);
      expect(result.code).toBe(EXIT.invalid);
      expect(existsSync(result.home)).toBe(false);
    });
  }

  it('a spec file that does not exist: exits 2 and names it', async () => {
    const result = await run('absent', undefined);
    expect(result.err).toMatch(/absent\.yaml.*cannot read the spec file: ENOENT/s);
    expect(result.code).toBe(EXIT.invalid);
    expect(existsSync(result.home)).toBe(false);
  });

  it('an unknown option: exits 2 with usage help', async () => {
    const err: string[] = [];
    const code = await main(['search', 'x.yaml', '--paralel', '2'], { out: () => {}, err: (t) => err.push(t), interactive: false, env: {} });
    expect(code).toBe(EXIT.invalid);
    expect(err.join('\n')).toMatch(/unknown option '--paralel'/);
  });
});
