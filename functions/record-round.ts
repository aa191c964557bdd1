/** The RecordRound Task of the search workflow, as a Lambda function. */
import { recordRound } from '../src/app/record-round.js';
import { taskHandler } from './lib/lambda.js';

export const handler = taskHandler('RecordRound', recordRound);
