/** The ProposeTrials Task of the search workflow, as a Lambda function. */
import { proposeTrials } from '../src/app/propose-trials.js';
import { taskHandler } from './lib/lambda.js';

export const handler = taskHandler('ProposeTrials', proposeTrials);
