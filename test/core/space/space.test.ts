import { describe, expect, it } from 'vitest';
import { createRng } from '../../../src/core/random.js';
import { assignmentProblems, compileSpace, fromUnit, sampleAssignment, type RangeParameter } from '../../../src/core/space/space.js';
import { parseSpecText } from '../../../src/core/spec/parse.js';

const spec = parseSpecText(`
name: s
task: classification
dataset: { uri: d.csv, target: y, kind: image, shape: [8, 8, 1] }
space:
  family: [mlp, cnn]
  learningRate: { min: 1.0e-4, max: 1.0e-1, log: true }
  batchSize: [16, 32, 64]
  mlp: { layers: { min: 1, max: 4 }, units: { min: 16, max: 256, log: true } }
  cnn: { filters: [8, 16, 32], kernel: 3 }
budget: { maxTrials: 3 }
`);

describe('compileSpace', () => {
  const space = compileSpace(spec.space);

  it('puts family first and conditions family parameters on it', () => {
    expect(space.parameters[0]).toMatchObject({ name: 'family', kind: 'categorical', choices: ['mlp', 'cnn'] });
    const filters = space.parameters.find((p) => p.name === 'cnn.filters');
    expect(filters).toMatchObject({ kind: 'categorical', choices: [8, 16, 32], ordered: true, condition: { parameter: 'family', values: ['cnn'] } });
    expect(space.parameters.find((p) => p.name === 'mlp.units')).toMatchObject({ kind: 'int', low: 16, high: 256, log: true });
  });

  it('fills unspecified parameters from the catalog defaults', () => {
    expect(space.parameters.find((p) => p.name === 'optimizer')).toMatchObject({ kind: 'categorical', choices: ['adam'] });
    expect(space.parameters.find((p) => p.name === 'cnn.blocks')).toMatchObject({ kind: 'int', low: 1, high: 2 });
    expect(space.parameters.some((p) => p.name.startsWith('rnn.'))).toBe(false);
  });

  it('samples only active parameters, inside their domains', () => {
    const rng = createRng(1, 'test');
    const families = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const a = sampleAssignment(space, rng);
      families.add(String(a.family));
      expect(assignmentProblems(space, a)).toEqual([]);
      const other = a.family === 'mlp' ? 'cnn.' : 'mlp.';
      expect(Object.keys(a).some((k) => k.startsWith(other))).toBe(false);
    }
    expect(families).toEqual(new Set(['mlp', 'cnn']));
  });

  it('samples integer log ranges across the whole range, including both ends', () => {
    const units = space.parameters.find((p) => p.name === 'mlp.units') as RangeParameter;
    expect(fromUnit(units, 0)).toBe(16);
    expect(fromUnit(units, 0.999999)).toBe(256);
    const rng = createRng(2, 'test');
    const values = Array.from({ length: 2000 }, () => fromUnit(units, rng.next()));
    const belowGeometricMid = values.filter((v) => v < 64).length / values.length;
    expect(belowGeometricMid).toBeGreaterThan(0.4);
    expect(belowGeometricMid).toBeLessThan(0.6);
  });

  it('reports assignments outside the space', () => {
    expect(assignmentProblems(space, { family: 'rnn' })).toContain('family=rnn is not a choice');
    const a = sampleAssignment(space, createRng(3, 'x'));
    expect(assignmentProblems(space, { ...a, extra: 1 })).toContain('extra is not a parameter');
  });
});
