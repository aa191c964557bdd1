import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SpecError } from '../../../src/core/errors.js';
import { searchSpecJsonSchema } from '../../../src/core/spec/json-schema.js';
import { parseSpecText } from '../../../src/core/spec/parse.js';
import { specObjective, specObjectives, specPruner, specStrategy } from '../../../src/core/spec/schema.js';
import { EXAMPLES, PROJECT_ROOT } from '../../helpers.js';

const base = `
name: t
task: classification
dataset: { uri: d.csv, target: y }
space: { family: mlp }
budget: { maxTrials: 3 }
`;

function issuesOf(text: string): { path: string; message: string }[] {
  try {
    parseSpecText(text, 'spec.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(SpecError);
    return [...(error as SpecError).issues];
  }
  throw new Error('expected the spec to be rejected');
}

describe('parseSpecText', () => {
  it('fills defaults for a minimal spec', () => {
    const spec = parseSpecText(base);
    expect(spec.evaluation).toEqual({ folds: 5, testFraction: 0.2, validationFraction: 0.1, patience: 8 });
    expect(spec.budget.maxParallel).toBe(2);
    expect(spec.seed).toBe(0);
    expect(specObjective(spec)).toEqual({ metric: 'accuracy', direction: 'maximize' });
    expect(specStrategy(spec)).toEqual({ name: 'auto' });
    expect(specPruner(spec)).toBeNull();
  });

  it('accepts JSON as well as YAML', () => {
    const spec = parseSpecText(JSON.stringify({ name: 'j', task: 'regression', dataset: { uri: 'a.csv', target: 'y' }, space: { family: 'mlp' }, budget: { maxTrials: 1 } }));
    expect(specObjective(spec)).toEqual({ metric: 'r2', direction: 'maximize' });
  });

  it('names an unknown field and suggests the right one', () => {
    expect(issuesOf(base + 'budjet: {}\n')).toContainEqual({ path: 'budjet', message: 'unknown field; did you mean budget?' });
    expect(issuesOf(base.replace('family: mlp', 'family: mlp, mlp: { unit: 3 }'))).toContainEqual({
      path: 'space.mlp.unit',
      message: 'unknown field; did you mean units?',
    });
  });

  it('names a field of the wrong type', () => {
    expect(issuesOf(base.replace('maxTrials: 3', 'maxTrials: many'))).toContainEqual({
      path: 'budget.maxTrials',
      message: 'expected number, received string',
    });
    const issues = issuesOf(base.replace('family: mlp', 'family: mlp, mlp: { units: { min: 8, max: "lots" } }'));
    expect(issues).toContainEqual({ path: 'space.mlp.units.max', message: 'expected an integer' });
  });

  it('rejects an empty space and empty choices', () => {
    expect(issuesOf(base.replace('family: mlp', 'family: []'))[0]?.path).toBe('space.family');
    expect(issuesOf(base.replace('family: mlp', 'family: mlp, batchSize: []'))).toContainEqual({
      path: 'space.batchSize',
      message: 'a list of choices must not be empty',
    });
  });

  it('rejects inverted and non-positive log ranges', () => {
    expect(issuesOf(base.replace('family: mlp', 'family: mlp, learningRate: { min: 0.1, max: 0.01 }'))).toContainEqual({
      path: 'space.learningRate.max',
      message: 'min must not exceed max',
    });
    expect(issuesOf(base.replace('family: mlp', 'family: mlp, mlp: { dropout: { min: 0, max: 0.5, log: true } }'))).toContainEqual({
      path: 'space.mlp.dropout.min',
      message: 'a log range needs min > 0',
    });
  });

  it('rejects a metric of the other task and a contradictory direction', () => {
    expect(issuesOf(base + 'objective: { metric: rmse }\n')[0]?.path).toBe('objective.metric');
    expect(issuesOf(base + 'objective: { metric: log_loss, direction: maximize }\n')[0]).toEqual({
      path: 'objective.direction',
      message: 'log_loss is better when it is lower; use minimize or leave direction out',
    });
  });

  it('accepts several objectives, quality first, and resolves their directions', () => {
    const spec = parseSpecText(base + 'objective: [{ metric: f1_macro }, { metric: latency_ms }, { metric: params }]\nstrategy: nsga2\n');
    expect(specObjectives(spec)).toEqual([
      { metric: 'f1_macro', direction: 'maximize' },
      { metric: 'latency_ms', direction: 'minimize' },
      { metric: 'params', direction: 'minimize' },
    ]);
    expect(issuesOf(base + 'objective: [{ metric: params }, { metric: accuracy }]\n')[0]).toEqual({
      path: 'objective[0].metric',
      message: 'the first objective must measure quality (accuracy, precision_macro, precision_weighted, recall_macro, recall_weighted, f1_macro, f1_weighted, roc_auc, log_loss); list params after it',
    });
    expect(issuesOf(base + 'objective: [{ metric: accuracy }, { metric: latency_ms }]\nstrategy: bayesian\n')[0]).toEqual({
      path: 'strategy',
      message: 'bayesian optimizes one objective; with several use nsga2, random, grid, hyperband, asha (or auto)',
    });
    expect(issuesOf(base + 'strategy: nsga2\n')[0]?.path).toBe('objective');
  });

  it('reads strategy and pruner options', () => {
    const spec = parseSpecText(base.replace('family: mlp', 'family: mlp, epochs: 27') + 'strategy: { name: hyperband, minEpochs: 1, reductionFactor: 3 }\npruner: median\n');
    expect(specStrategy(spec)).toEqual({ name: 'hyperband', minEpochs: 1, reductionFactor: 3 });
    expect(specPruner(spec)).toEqual({ name: 'median', warmupEpochs: 5, minTrials: 5 });
    expect(issuesOf(base + 'strategy: { name: hyperband }\n'.replace('{ name: hyperband }', '{ name: hyperband, minEpoch: 2 }'))).toContainEqual({
      path: 'strategy.minEpoch',
      message: 'unknown field; did you mean minEpochs?',
    });
    expect(issuesOf(base.replace('family: mlp', 'family: mlp, epochs: { min: 5, max: 50 }') + 'strategy: asha\n')[0]).toEqual({
      path: 'space.epochs',
      message: 'asha schedules epochs itself; give space.epochs as one number, the most any trial trains',
    });
    expect(issuesOf(base + 'strategy: annealing\n')[0]?.path).toBe('strategy');
  });

  it('checks that families fit the kind of data', () => {
    const issues = issuesOf(base.replace('family: mlp', 'family: [mlp, cnn]'));
    expect(issues).toContainEqual({ path: 'space.family[1]', message: 'cnn does not fit tabular data; use mlp' });
    expect(issuesOf(base.replace('family: mlp', 'family: mlp, rnn: { units: 8 }'))).toContainEqual({
      path: 'space.rnn',
      message: 'hyperparameters for rnn are given but family does not include rnn',
    });
  });

  it('requires image shapes and sequence windows', () => {
    expect(issuesOf(base.replace('target: y }', 'target: y, kind: image }'))).toContainEqual({
      path: 'dataset.shape',
      message: 'image datasets need shape: [height, width, channels]',
    });
    expect(issuesOf(base.replace('target: y }', 'target: y, kind: sequence }'))[0]?.path).toBe('dataset.window');
  });

  it('reports a missing required field', () => {
    const issues = issuesOf(base.replace('budget: { maxTrials: 3 }', ''));
    expect(issues).toContainEqual({ path: 'budget', message: expect.stringMatching(/^required/) });
  });

  it('reports YAML syntax errors with a position', () => {
    const issues = issuesOf('name: [unclosed');
    expect(issues[0]?.message).toMatch(/not valid YAML\/JSON: .*line 1/);
  });

  it('rejects a document that is not a mapping', () => {
    expect(issuesOf('- a\n- b\n')).toEqual([{ path: '', message: 'expected a mapping with name, task, dataset, space and budget' }]);
  });

  it('accepts every example spec', () => {
    for (const file of readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml'))) {
      expect(() => parseSpecText(readFileSync(join(EXAMPLES, file), 'utf8'), file)).not.toThrow();
    }
  });
});

describe('published JSON Schema', () => {
  it('is up to date with the zod schema (run `npm run schema`)', () => {
    const committed = JSON.parse(readFileSync(join(PROJECT_ROOT, 'schema/search-spec.schema.json'), 'utf8'));
    expect(committed).toEqual(searchSpecJsonSchema());
  });
});
