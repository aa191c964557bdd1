/**
 * RecordTrialFailure: the target of each trial's Catch. A trial whose task crashed, timed
 * out or exhausted its retries is recorded as failed, and the search goes on.
 */
import { z } from 'zod';
import { CaughtError, describeCaught } from './refs.js';
import { nowIso, type Services } from './services.js';

export const RecordTrialFailureInput = z.object({ searchId: z.string().min(1), number: z.int().min(0), error: CaughtError }).loose();
export type RecordTrialFailureInput = z.infer<typeof RecordTrialFailureInput>;

export async function recordTrialFailure(services: Services, raw: RecordTrialFailureInput) {
  const { searchId, number, error } = RecordTrialFailureInput.parse(raw);
  const described = describeCaught(error);
  const at = nowIso(services);
  const recorded = await services.metadata.finishTrial(searchId, number, { status: 'failed', finishedAt: at, error: described });
  if (recorded) {
    await services.events.publish({ type: 'TrialFailed', searchId, time: at, detail: { trial: number, error: described } });
  }
  return { searchId, number, status: 'failed' as const };
}
