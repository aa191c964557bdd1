/**
 * RegisterVersion: the final model becomes the next numbered version of its model name
 * (1, 2, ...). Its artifacts are copied under the version's own prefix, its source code
 * for Keras, PyTorch and TensorFlow.js is generated beside them (`code/`), and the store
 * version ids of all of them are recorded. Running it again for the same search returns
 * the same version.
 */
import { artifactKeys } from '../ports/artifact-store.js';
import { SearchError } from '../core/errors.js';
import { writeVersionCode } from './generate-code.js';
import { requireSearch, SearchRef } from './refs.js';
import { nowIso, type Services } from './services.js';

export interface RegisterVersionOutput {
  readonly searchId: string;
  readonly name: string;
  readonly version: number;
}

export async function registerVersion(services: Services, raw: SearchRef): Promise<RegisterVersionOutput> {
  const { searchId } = SearchRef.parse(raw);
  const search = await requireSearch(services, searchId);
  if (search.modelVersion) return { searchId, ...search.modelVersion };
  if (!search.final) throw new SearchError(`search ${searchId} has no final model to register`);
  const trial = await services.metadata.getTrial(searchId, search.final.trial);
  if (!trial) throw new SearchError(`search ${searchId} lost its best trial ${search.final.trial}`);
  const sourcePrefix = search.final.artifactPrefix;
  const keys = await services.artifacts.list(sourcePrefix);

  // The version number is allocated first; the copies then land under its prefix.
  const record = await services.metadata.registerModelVersion({
    name: search.name,
    searchId,
    trial: trial.number,
    createdAt: nowIso(services),
    stage: 'none',
    family: String(trial.assignment.family),
    assignment: trial.assignment,
    metrics: trial.metrics ?? {},
    testMetrics: search.final.testMetrics,
    // Recorded when the trial was proposed, so registering never reads the dataset.
    cost: trial.cost ?? { params: 0, flops: 0 },
    artifactPrefix: '',
    files: {},
  });
  const prefix = artifactKeys.modelVersion(search.name, record.version);
  const files: Record<string, string | null> = {};
  for (const key of keys) {
    const body = await services.artifacts.get(key);
    if (!body) continue;
    const stored = await services.artifacts.put(prefix + key.slice(sourcePrefix.length), body);
    files[key.slice(sourcePrefix.length)] = stored.versionId;
  }
  // The version's source code for Keras, PyTorch and TensorFlow.js, stored with its artifacts.
  Object.assign(files, await writeVersionCode(services, { search, version: record, prefix }));
  await services.metadata.updateModelVersion(search.name, record.version, { artifactPrefix: prefix, files });
  await services.metadata.updateSearch(searchId, { modelVersion: { name: search.name, version: record.version }, updatedAt: nowIso(services) });
  await services.events.publish({
    type: 'ModelVersionRegistered',
    searchId,
    time: nowIso(services),
    detail: { name: search.name, version: record.version, artifactPrefix: prefix },
  });
  return { searchId, name: search.name, version: record.version };
}
