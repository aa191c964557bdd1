/** The TrainFinalModel Task of the search workflow, as a Lambda function (a trainer: it starts the training backend). */
import { trainFinalModel } from '../src/app/train-final-model.js';
import { initBackend } from '../src/runtime/backend.js';
import { taskHandler } from './lib/lambda.js';

export const handler = taskHandler('TrainFinalModel', trainFinalModel, { startBackend: () => initBackend('auto') });
