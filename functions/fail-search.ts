/** The FailSearch Task of the search workflow, as a Lambda function. */
import { failSearch } from '../src/app/finish-search.js';
import { taskHandler } from './lib/lambda.js';

export const handler = taskHandler('FailSearch', failSearch);
