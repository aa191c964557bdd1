/** The RegisterVersion Task of the search workflow, as a Lambda function. */
import { registerVersion } from '../src/app/register-version.js';
import { taskHandler } from './lib/lambda.js';

export const handler = taskHandler('RegisterVersion', registerVersion);
