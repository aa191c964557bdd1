/** The RunTrial Task of the search workflow, as a Lambda function (a trainer: it starts the training backend). */
import { runTrial } from '../src/app/run-trial.js';
import { initBackend } from '../src/runtime/backend.js';
import { taskHandler } from './lib/lambda.js';

export const handler = taskHandler('RunTrial', runTrial, { startBackend: () => initBackend('auto') });
