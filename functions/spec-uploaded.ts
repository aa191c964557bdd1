/**
 * A spec uploaded under `specs/` starts a search. S3 reports the upload to EventBridge; a
 * rule sends it here. The spec and its dataset are validated first: an invalid spec is
 * recorded as a rejected search with the reason and announced with SearchFailed, and
 * nothing trains. A redelivered event maps to the same search id, so it starts nothing new.
 */
import { parse as parseYaml } from 'yaml';
import { parseSpecText } from '../src/core/spec/parse.js';
import { DatasetError, InfeasibleSpaceError, SpecError } from '../src/core/errors.js';
import { rejectSpec, submitSearch } from '../src/app/submit-search.js';
import { derivedSearchId } from '../src/runtime/ids.js';
import { S3ObjectCreatedEventSchema, type S3ObjectCreatedEvent } from '../events/schemas.js';
import { workflowEngine } from './lib/engine.js';
import { cloudServices, lambdaHandler, logger } from './lib/lambda.js';

/** Uploads under this prefix are specs. */
export const SPEC_PREFIX = 'specs/';

/** A model name from the file name, for specs too broken to name themselves. */
function nameFromKey(key: string): string {
  const base = key.slice(key.lastIndexOf('/') + 1).replace(/\.(ya?ml|json)$/i, '');
  return base.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 64) || 'spec';
}

export type SpecUploadResult =
  | { readonly outcome: 'ignored'; readonly key: string }
  | { readonly outcome: 'started'; readonly searchId: string; readonly executionArn: string }
  | { readonly outcome: 'rejected'; readonly searchId: string; readonly reason: string };

export const handler = lambdaHandler<S3ObjectCreatedEvent, SpecUploadResult>(
  async (raw) => {
    const event = S3ObjectCreatedEventSchema.parse(raw);
    const { bucket, object } = event.detail;
    const key = object.key;
    if (!key.startsWith(SPEC_PREFIX) || !/\.(ya?ml|json)$/i.test(key)) return { outcome: 'ignored', key };
    const services = await cloudServices();
    const source = `s3://${bucket.name}/${key}`;
    const identity = `${source}@${object['version-id'] ?? object.sequencer ?? object.etag}`;
    const at = new Date(event.time);
    let name = nameFromKey(key);
    try {
      const body = await services.artifacts.get(key);
      if (!body) throw new SpecError([{ path: '', message: `the uploaded spec ${source} is gone` }], source);
      const text = new TextDecoder().decode(body);
      name = parseSpecText(text, source).name;
      const submitted = await submitSearch(services, workflowEngine(), {
        spec: parseYaml(text) as unknown,
        source,
        // In the bucket, a relative dataset URI is a key: `datasets/iris.csv`.
        base: `s3://${bucket.name}/`,
        searchIdFor: (specName) => derivedSearchId(specName, at, identity),
      });
      logger.info('search started', { searchId: submitted.searchId, source });
      return { outcome: 'started', searchId: submitted.searchId, executionArn: submitted.executionArn };
    } catch (error) {
      if (!(error instanceof SpecError || error instanceof DatasetError || error instanceof InfeasibleSpaceError)) throw error;
      const searchId = derivedSearchId(name, at, identity);
      await rejectSpec(services, { searchId, name, source, error });
      logger.warn('spec rejected', { searchId, source, reason: error.message });
      return { outcome: 'rejected', searchId, reason: error.message };
    }
  },
  () => undefined,
);
