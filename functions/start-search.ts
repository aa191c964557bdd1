/** The StartSearch Task of the search workflow, as a Lambda function. */
import { startSearch } from '../src/app/start-search.js';
import { taskHandler } from './lib/lambda.js';

export const handler = taskHandler('StartSearch', startSearch);
