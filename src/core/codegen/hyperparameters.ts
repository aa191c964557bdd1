/**
 * The training hyperparameters as the constants block each generated training script
 * starts with and as the READMEs describe them, and what each optimizer means in
 * TensorFlow.js terms, so the Keras and PyTorch scripts can pin the settings (epsilon,
 * decay) that differ between libraries.
 */
import type { TrainingPlan } from './input.js';
import { dedent, intLiteral, numberLiteral, stringLiteral, type Language } from './text.js';

/** What modelsmith's optimizer of each name is (tfjs defaults), for docstrings. */
export const OPTIMIZER_NOTES: Readonly<Record<string, string>> = {
  adam: 'Adam as TensorFlow.js runs it: beta1 0.9, beta2 0.999, epsilon 1e-7.',
  adamax: 'Adamax as TensorFlow.js runs it: beta1 0.9, beta2 0.999, epsilon 1e-7.',
  rmsprop: 'RMSprop as TensorFlow.js runs it: decay (rho) 0.9, no momentum, epsilon 1e-7.',
  sgd: 'Plain stochastic gradient descent.',
  momentum: 'Gradient descent with momentum 0.9 (not Nesterov).',
};

/** The constants block of a training script, in Python or TypeScript. */
export function trainingConstants(training: TrainingPlan, language: Language): string {
  const rows: [string, string, string][] = [
    ['OPTIMIZER', stringLiteral(training.optimizer, language), ''],
    ['LEARNING_RATE', numberLiteral(training.learningRate, 'learning rate'), ''],
    ['BATCH_SIZE', intLiteral(training.batchSize, 'batch size', 1), ''],
    ['EPOCHS', intLiteral(training.epochs, 'epochs', 1), 'epochs modelsmith refit this version for'],
    ['MAX_EPOCHS', intLiteral(training.maxEpochs, 'max epochs', 1), 'epoch budget when stopping early'],
    ['PATIENCE', intLiteral(training.patience, 'patience', 1), 'epochs without a lower validation loss'],
    ['SEED', intLiteral(training.seed, 'seed'), ''],
  ];
  if (language === 'python') {
    return [
      '# The hyperparameters modelsmith chose for this version.',
      ...rows.map(([name, value, note]) => `${name} = ${value}${note ? `  # ${note}` : ''}`),
    ].join('\n');
  }
  return [
    '// The hyperparameters modelsmith chose for this version.',
    ...rows.map(([name, value, note]) => `${note ? `/** ${note[0]?.toUpperCase()}${note.slice(1)}. */\n` : ''}export const ${name} = ${value};`),
  ].join('\n');
}

/** The README paragraph on how `script` (`train.py`, `train.ts`) trains. */
export function trainingSummary(training: TrainingPlan, script: string): string {
  return dedent(`
    \`${script}\` trains for ${training.epochs} epochs (as modelsmith refit this version) with
    ${training.optimizer}, learning rate ${numberLiteral(training.learningRate, 'learning rate')} and batches of ${training.batchSize}; with
    \`--validation-fraction ${numberLiteral(training.validationFraction, 'validation fraction')}\` it stops early after ${training.patience} epochs without a
    lower validation loss (at most ${training.maxEpochs}).
  `);
}
