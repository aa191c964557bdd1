/**
 * Names are data, never code. A model name, column names, category levels and class labels
 * made of quotes, triple quotes, newlines, backslashes, `${}`, backticks, comment closers
 * and `__import__('os')` calls go through code generation: the Python still compiles, the
 * TypeScript still type-checks, every script runs and predicts with the hostile labels
 * intact, and none of the payloads (each would create a PWNED file) ever executes.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENERATED_TSCONFIG, pyString, tsString } from '../../../src/core/codegen/index.js';
import { initBackend } from '../../../src/runtime/backend.js';
import { PROJECT_ROOT, tempDir } from '../../helpers.js';
import {
  comparePredictions,
  exec,
  findPython,
  linkNodeModules,
  prepare,
  readPredictions,
  referencePredictions,
  saveScrambledModel,
  toCsv,
  TSC,
  TSX,
  writeFiles,
  type Prepared,
} from './support.js';

const PAYLOADS = {
  pythonTripleQuote: 'x"""\n__import__(\'os\').system(\'touch PWNED-py\')\n"""',
  template: "${require('fs').writeFileSync('PWNED-ts', '')}",
  backtick: "`; require('child_process').execSync('touch PWNED-tick'); `",
  commentCloser: "*/ require('fs').writeFileSync('PWNED-comment', ''); /*",
  singleQuote: "'; __import__('os').system('touch PWNED-quote'); '",
  backslashes: 'a\\" \\n # back\\slash \\',
  unicode: 'line\r\nbreak \u2028 sep \t tab 🙂 \u0007',
} as const;

const MODEL_NAME = `evil"""\n__import__('os').system('touch PWNED-name')\n*/\${process.exit(3)}\``;
const TARGET = `label"""\n# ${PAYLOADS.template}`;
const LABELS = [
  `a"; __import__('os').system("touch PWNED-label"); "`,
  'b`${process.exit(3)}`',
  'c*/\n# """',
  `d🙂\u2028x '''`,
];

/** 40 rows: two hostile numeric columns, a hostile text column, a hostile target. */
function hostileCsv(): string {
  const header = [PAYLOADS.pythonTripleQuote, PAYLOADS.template, PAYLOADS.commentCloser, TARGET];
  const levels = [PAYLOADS.backtick, PAYLOADS.singleQuote, PAYLOADS.backslashes, PAYLOADS.unicode];
  const rows = Array.from({ length: 40 }, (_, i) => {
    const label = i % 4;
    return [String(label + (i % 5) * 0.1), i % 9 === 3 ? 'NA' : String((i * 7) % 11), levels[(i + label) % 4] as string, LABELS[label] as string];
  });
  return toCsv(header, rows);
}

const python = findPython([]);
const torchPython = findPython(['torch', 'numpy']);
if (!python) console.warn('SKIPPED: generated Python is not compiled with hostile names: no python3 on the PATH.');
if (!torchPython) console.warn('SKIPPED: generated PyTorch code is not run with hostile names: no python3 with torch and numpy on the PATH.');

let home: Awaited<ReturnType<typeof tempDir>>;
let prepared: Prepared;
let model: tf.LayersModel;

beforeAll(async () => {
  await initBackend('cpu');
  home = await tempDir();
  await linkNodeModules(home.path);
  prepared = prepare(
    {
      key: 'hostile',
      csv: hostileCsv(),
      dataset: { uri: 'hostile.csv', target: TARGET, kind: 'tabular', horizon: 1 } as never,
      task: 'classification',
      assignment: { family: 'mlp', learningRate: 0.01, batchSize: 8, optimizer: 'adam', epochs: 3, 'mlp.layers': 1, 'mlp.units': 6, 'mlp.dropout': 0.1, 'mlp.activation': 'relu' },
    },
    MODEL_NAME,
  );
  await writeFiles(home.path, prepared.files, prepared.example.csv);
  model = await saveScrambledModel(prepared, home.path);
}, 60_000);

afterAll(async () => {
  model.dispose();
  await home.cleanup();
});

/** Files named PWNED* anywhere under a folder (symlinked node_modules not followed). */
async function pwned(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.name.startsWith('PWNED')).map((e) => join(e.parentPath, e.name));
}

describe('hostile names in generated code', () => {
  it('reads the names only from preprocessing.json: no payload is spelled in any code file', () => {
    expect(prepared.problem.classes).toEqual([...LABELS].sort((a, b) => a.localeCompare(b, 'en')));
    const document = JSON.parse(prepared.files['preprocessing.json'] ?? '{}') as { target: { column: string; classes: string[] } };
    expect(document.target.column).toBe(TARGET);
    expect(document.target.classes).toEqual(prepared.problem.classes);
    for (const [path, text] of Object.entries(prepared.files)) {
      if (path.endsWith('.json')) continue;
      for (const payload of [...Object.values(PAYLOADS), ...LABELS, MODEL_NAME, TARGET]) expect(text, path).not.toContain(payload);
      // Comments and docstrings may keep a name's letters and digits (`evil___import___os__`), never its punctuation.
      for (const fragment of ['__import__(', 'system(', '${', 'execSync(', 'process.exit(', '"""\n__']) expect(text, path).not.toContain(fragment);
    }
  });

  it('escapes every payload into literals that read back exactly (TypeScript)', () => {
    for (const value of [...Object.values(PAYLOADS), ...LABELS, MODEL_NAME, '\ud800 lone surrogate']) {
      const literal = tsString(value);
      expect(literal).toMatch(/^'[\x20-\x7e]*'$/);
      // Evaluating the literal is the point here: it must give back the string, nothing else.
      expect(new Function(`return ${literal};`)()).toBe(value);
    }
  });

  it.skipIf(!python)('escapes every payload into literals that read back exactly (Python; needs python3)', async () => {
    const values = [...Object.values(PAYLOADS), ...LABELS, MODEL_NAME];
    const pairs = values.map((value) => [pyString(value), value]);
    for (const [literal] of pairs) expect(literal).toMatch(/^"[\x20-\x7e]*"$/);
    await writeFile(join(home.path, 'literals.json'), JSON.stringify(pairs));
    const check = [
      'import ast, json, sys',
      'pairs = json.load(open(sys.argv[1], encoding="utf-8"))',
      'bad = [literal for literal, value in pairs if ast.literal_eval(literal) != value]',
      'print(json.dumps(bad))',
    ].join('\n');
    const { stdout } = await exec(python as string, ['-c', check, join(home.path, 'literals.json')], home.path);
    expect(JSON.parse(stdout)).toEqual([]);
  });

  it.skipIf(!python)('compiles every generated Python file (needs python3)', async () => {
    const files = Object.keys(prepared.files).filter((f) => f.endsWith('.py'));
    await exec(python as string, ['-m', 'py_compile', ...files.map((f) => join(home.path, f))], home.path);
  });

  it('type-checks the generated TypeScript and runs it: predictions carry the hostile labels, nothing executes', async () => {
    await writeFile(join(home.path, 'tsconfig.json'), JSON.stringify({ ...GENERATED_TSCONFIG, include: ['tfjs/*.ts'] }));
    await exec(TSC, ['-p', join(home.path, 'tsconfig.json')], home.path);
    const code = join(home.path, 'tfjs');
    const summary = await exec(TSX, ['model.ts'], code);
    expect(JSON.parse(summary.stdout.trim().split('\n').pop() ?? '{}')).toEqual({ parameters: model.countParams(), expected: model.countParams() });
    const output = join(home.path, 'ts-predictions.csv');
    await exec(TSX, ['predict.ts', '--data', join(home.path, 'data.csv'), '--weights', join(home.path, 'model.json'), '--output', output], code);
    const csv = await readFile(output, 'utf8');
    expect(readPredictions(csv).header).toEqual(['row', 'prediction', ...prepared.problem.classes.map((c) => `probability:${c}`)]);
    expect(comparePredictions(prepared, csv, referencePredictions(prepared, model), 1e-5).compared).toBe(40);
    expect(await pwned(home.path)).toEqual([]);
    expect(await pwned(join(PROJECT_ROOT, 'test'))).toEqual([]);
  }, 120_000);

  it.skipIf(!torchPython)('runs the generated PyTorch code: predictions carry the hostile labels, nothing executes (needs python3 with torch)', async () => {
    const code = join(home.path, 'pytorch');
    const summary = await exec(torchPython as string, ['model.py'], code);
    expect(JSON.parse(summary.stdout.trim().split('\n').pop() ?? '{}')).toEqual({ parameters: model.countParams(), expected: model.countParams() });
    const output = join(home.path, 'py-predictions.csv');
    await exec(torchPython as string, ['predict.py', '--data', join(home.path, 'data.csv'), '--tfjs-model', join(home.path, 'model.json'), '--output', output], code);
    const csv = await readFile(output, 'utf8');
    expect(readPredictions(csv).header).toEqual(['row', 'prediction', ...prepared.problem.classes.map((c) => `probability:${c}`)]);
    expect(comparePredictions(prepared, csv, referencePredictions(prepared, model), 2e-4).compared).toBe(40);
    // Training reads the hostile target column too.
    await exec(torchPython as string, ['train.py', '--data', join(home.path, 'data.csv'), '--output', join(home.path, 'trained'), '--epochs', '2'], code);
    expect(await pwned(home.path)).toEqual([]);
  }, 120_000);
});
