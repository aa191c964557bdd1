/** The FinishSearch Task of the search workflow, as a Lambda function. */
import { finishSearch } from '../src/app/finish-search.js';
import { taskHandler } from './lib/lambda.js';

export const handler = taskHandler('FinishSearch', finishSearch);
