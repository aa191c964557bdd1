/**
 * When a search's execution ends without reaching its own failure handling (it timed
 * out, was stopped, or failed inside Step Functions), Step Functions reports the status
 * change to EventBridge and a rule sends it here: the search is marked failed with the
 * reason. A search that already recorded its end is left as it is.
 */
import { ExecutionStatusChangeEventSchema } from '../events/schemas.js';
import { failSearch } from '../src/app/finish-search.js';
import { cloudServices, lambdaHandler } from './lib/lambda.js';

export const handler = lambdaHandler<unknown, { searchId: string; status: string }>(
  async (raw) => {
    const { detail } = ExecutionStatusChangeEventSchema.parse(raw);
    const reason = { FAILED: 'the workflow failed', TIMED_OUT: 'the workflow timed out', ABORTED: 'the workflow was stopped' }[detail.status];
    await failSearch(await cloudServices(), {
      searchId: detail.name,
      error: { Error: detail.error || `Execution${detail.status === 'TIMED_OUT' ? 'TimedOut' : detail.status === 'ABORTED' ? 'Aborted' : 'Failed'}`, Cause: detail.cause || reason },
    });
    return { searchId: detail.name, status: detail.status };
  },
  (raw) => (raw as { detail?: { name?: string } }).detail?.name,
);
