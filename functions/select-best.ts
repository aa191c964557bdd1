/** The SelectBest Task of the search workflow, as a Lambda function. */
import { selectBest } from '../src/app/select-best.js';
import { taskHandler } from './lib/lambda.js';

export const handler = taskHandler('SelectBest', selectBest);
