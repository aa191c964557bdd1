/**
 * GenerateVersionCode: the source of a registered model version for Keras, PyTorch and
 * TensorFlow.js (model, preprocessing, training and prediction scripts, READMEs) and the
 * shared `preprocessing.json`, written beside the version's artifacts under
 * `models/<name>/versions/<n>/code/` and recorded in the version's `files`. RegisterVersion
 * writes it as it registers; running it again for a version regenerates the same files.
 */
import { z } from 'zod';
import { checkArchitecture, checkPreprocessor, describeProblem, generateCode, trainingPlanOf } from '../core/codegen/index.js';
import { NotFoundError, SearchError } from '../core/errors.js';
import type { ModelVersionRecord, SearchRecord } from '../ports/records.js';
import { requireSearch } from './refs.js';
import type { Services } from './services.js';

export const GenerateVersionCodeRef = z.object({ name: z.string().min(1), version: z.int().min(1) });
export type GenerateVersionCodeRef = z.infer<typeof GenerateVersionCodeRef>;

/** The folder, under a version's prefix, that holds its generated code. */
export const CODE_FOLDER = 'code/';

export interface GenerateVersionCodeOutput {
  readonly name: string;
  readonly version: number;
  /** Where the code is: `models/<name>/versions/<n>/code/`. */
  readonly prefix: string;
  /** The files written, relative to the version's prefix (`code/pytorch/model.py`, ...). */
  readonly files: readonly string[];
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  json: 'application/json',
  md: 'text/markdown; charset=utf-8',
  py: 'text/x-python; charset=utf-8',
  ts: 'text/x-typescript; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
};

/** A JSON artifact of the version, or NotFoundError naming it. */
async function readJson(services: Services, key: string, what: string): Promise<unknown> {
  const body = await services.artifacts.get(key);
  if (!body) throw new NotFoundError(`${what} has no ${key.slice(key.lastIndexOf('/') + 1)}; its code cannot be generated`);
  return JSON.parse(new TextDecoder().decode(body)) as unknown;
}

/**
 * Generate a version's code from the artifacts stored under `prefix` (its preprocessor,
 * architecture and metrics) and the search that trained it (patience, validation share,
 * seed, order column), and store every file under `<prefix>code/`. Returns each stored
 * file, relative to `prefix`, with its store version id, for the version's `files` map.
 */
export async function writeVersionCode(
  services: Services,
  source: { readonly search: SearchRecord; readonly version: Pick<ModelVersionRecord, 'name' | 'version' | 'assignment'>; readonly prefix: string },
): Promise<Record<string, string | null>> {
  const { search, version, prefix } = source;
  const what = `model ${version.name} version ${version.version}`;
  const [preprocessor, architecture, metrics] = await Promise.all([
    readJson(services, `${prefix}preprocessor.json`, what).then(checkPreprocessor),
    readJson(services, `${prefix}architecture.json`, what).then(checkArchitecture),
    readJson(services, `${prefix}metrics.json`, what) as Promise<{ epochs?: unknown }>,
  ]);
  // The epochs the final refit trained for: what the version's own weights saw.
  const epochs = typeof metrics.epochs === 'number' ? metrics.epochs : search.final?.epochs;
  if (epochs === undefined) throw new SearchError(`${what}: no record of how many epochs its final model trained`);
  const { evaluation, seed, dataset } = search.spec;
  const files = generateCode({
    model: { name: version.name, version: version.version },
    architecture,
    training: trainingPlanOf(version.assignment, { epochs, patience: evaluation.patience, validationFraction: evaluation.validationFraction, seed }),
    preprocessor,
    problem: describeProblem(preprocessor, dataset.orderBy ?? null),
  });
  const stored: Record<string, string | null> = {};
  for (const [path, text] of Object.entries(files)) {
    const key = `${CODE_FOLDER}${path}`;
    const extension = path.slice(path.lastIndexOf('.') + 1);
    stored[key] = (await services.artifacts.put(`${prefix}${key}`, text, CONTENT_TYPES[extension] ?? 'text/plain; charset=utf-8')).versionId;
  }
  return stored;
}

/** (Re)generate the code of a registered version and record its files on the version. */
export async function generateVersionCode(services: Services, raw: GenerateVersionCodeRef): Promise<GenerateVersionCodeOutput> {
  const { name, version } = GenerateVersionCodeRef.parse(raw);
  const record = (await services.metadata.listModelVersions(name)).find((v) => v.version === version);
  if (!record) throw new NotFoundError(`model ${name} has no version ${version}`);
  if (!record.artifactPrefix) throw new SearchError(`model ${name} version ${version} has no artifacts yet`);
  const search = await requireSearch(services, record.searchId);
  const files = await writeVersionCode(services, { search, version: record, prefix: record.artifactPrefix });
  await services.metadata.updateModelVersion(name, version, { files: { ...record.files, ...files } });
  return { name, version, prefix: `${record.artifactPrefix}${CODE_FOLDER}`, files: Object.keys(files).sort() };
}
