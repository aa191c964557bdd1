/**
 * The training hyperparameters as the constants block each generated training script
 * starts with, and what each optimizer means in TensorFlow.js terms, so the Keras and
 * PyTorch scripts can pin the settings (epsilon, decay) that differ between libraries.
 */
import type { TrainingPlan } from './input.js';
import { intLiteral, numberLiteral, pyString, tsString } from './text.js';

/** What modelsmith's optimizer of each name is (tfjs defaults), for docstrings. */
export const OPTIMIZER_NOTES: Readonly<Record<string, string>> = {
  adam: 'Adam as TensorFlow.js runs it: beta1 0.9, beta2 0.999, epsilon 1e-7.',
  adamax: 'Adamax as TensorFlow.js runs it: beta1 0.9, beta2 0.999, epsilon 1e-7.',
  rmsprop: 'RMSprop as TensorFlow.js runs it: decay (rho) 0.9, no momentum, epsilon 1e-7.',
  sgd: 'Plain stochastic gradient descent.',
  momentum: 'Gradient descent with momentum 0.9 (not Nesterov).',
};

/** The constants block of a training script, in Python or TypeScript. */
export function trainingConstants(training: TrainingPlan, language: 'python' | 'typescript'): string {
  const rows: [string, string, string][] = [
    ['OPTIMIZER', language === 'python' ? pyString(training.optimizer) : tsString(training.optimizer), ''],
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
