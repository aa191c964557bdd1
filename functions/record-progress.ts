/** The RecordProgress Task of the search workflow, as a Lambda function. */
import { recordProgress } from '../src/app/record-progress.js';
import { taskHandler } from './lib/lambda.js';

export const handler = taskHandler('RecordProgress', recordProgress);
