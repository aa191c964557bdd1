/**
 * Code generation for a registered model version: from its architecture, training
 * settings, fitted preprocessing and problem, the source of the same model for Keras,
 * PyTorch and TensorFlow.js (TypeScript), each with preprocessing, training and
 * prediction scripts and a README, plus the shared `preprocessing.json`. Pure: the same
 * input always gives the same files, and nothing is read or written here.
 */
import { estimateCost } from '../models/cost.js';
import { preprocessingDocument } from './document.js';
import { checkInput, type CodegenInput } from './input.js';
import { kerasFiles } from './keras.js';
import { versionTitle } from './layers.js';
import { pytorchFiles } from './pytorch.js';
import { dedent } from './text.js';
import { tfjsFiles } from './tfjs.js';

export { PREPROCESSING_FORMAT, preprocessingDocument, type PreprocessingDocument } from './document.js';
export {
  checkArchitecture,
  checkInput,
  checkPreprocessor,
  describeProblem,
  trainingPlanOf,
  type CodegenInput,
  type ProblemDescription,
  type TrainingPlan,
} from './input.js';
export { planLayers, type PlannedLayer } from './layers.js';
export { GENERATED_TSCONFIG } from './tfjs.js';
export { className, commentText, pyString, snakeName, tsString } from './text.js';

/** The targets code is generated for, each in the folder of its name. */
export const CODE_TARGETS = ['keras', 'pytorch', 'tfjs'] as const;
export type CodeTarget = (typeof CODE_TARGETS)[number];

/** Relative file path (`pytorch/model.py`, `preprocessing.json`, ...) to file text. */
export type GeneratedFiles = Readonly<Record<string, string>>;

function overview(input: CodegenInput, params: number): string {
  return `${dedent(`
    # ${versionTitle(input.model)}: generated code

    The model modelsmith registered as this version (family ${input.architecture.family}, ${params} trainable
    parameters), written for three frameworks. Each folder holds the model definition,
    preprocessing, a training script and a prediction script; all of them read the fitted
    preprocessing from \`preprocessing.json\` here.

    | folder | framework |
    |---|---|
    | \`keras/\` | TensorFlow / Keras (Python) |
    | \`pytorch/\` | PyTorch (Python) |
    | \`tfjs/\` | TensorFlow.js (TypeScript, Node.js) |

    The version's trained weights (\`../model.json\` and \`../weights.bin\`) load into every
    target; see each folder's README.
  `)}\n`;
}

/**
 * Generate every target's files for one model version. Throws a TypeError or RangeError
 * naming the field when the input is malformed or inconsistent (see {@link checkInput}).
 */
export function generateCode(raw: CodegenInput): GeneratedFiles {
  const input = checkInput(raw);
  const { params } = estimateCost(input.architecture);
  const files: Record<string, string> = {
    'README.md': overview(input, params),
    'preprocessing.json': `${JSON.stringify(preprocessingDocument(input), null, 2)}\n`,
  };
  const targets: Record<CodeTarget, Record<string, string>> = {
    keras: kerasFiles(input, params),
    pytorch: pytorchFiles(input, params),
    tfjs: tfjsFiles(input, params),
  };
  for (const target of CODE_TARGETS) {
    for (const [path, text] of Object.entries(targets[target])) files[`${target}/${path}`] = text;
  }
  return files;
}
