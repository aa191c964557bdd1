/** The ProposeTrial Task of the search workflow (a lane's next step), as a Lambda function. */
import { proposeTrial } from '../src/app/propose-trial.js';
import { taskHandler } from './lib/lambda.js';

export const handler = taskHandler('ProposeTrial', proposeTrial);
