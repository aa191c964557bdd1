/** The RecordTrialFailure Task of the search workflow, as a Lambda function. */
import { recordTrialFailure } from '../src/app/record-trial-failure.js';
import { taskHandler } from './lib/lambda.js';

export const handler = taskHandler('RecordTrialFailure', recordTrialFailure);
