/**
 * The model registry: numbered versions per model name, each in one stage (none, staging,
 * production). Promoting moves a stage to a version; rolling back returns production to
 * the version that held it before. The model record's stage pointers are the truth and
 * change with one conditional write; version records mirror their stage for readers.
 */
import { ConflictError, InputError, NotFoundError } from '../core/errors.js';
import type { ModelRecord, ModelStage, ModelStages, ModelVersionRecord } from '../ports/records.js';
import { nowIso, type Services } from './services.js';

/** A model with the versions holding its stages. */
export type ModelSummary = ModelRecord;

export async function listModelSummaries(services: Services): Promise<ModelSummary[]> {
  return (await services.metadata.listModels()).sort((a, b) => a.name.localeCompare(b.name));
}

export async function requireModel(services: Services, name: string): Promise<ModelRecord> {
  const model = await services.metadata.getModel(name);
  if (!model) throw new NotFoundError(`no model named ${name}`);
  return model;
}

/** The stage a version holds according to its model's pointers. */
export function stageOf(model: Pick<ModelRecord, 'production' | 'staging'>, version: number): ModelStage {
  return model.production === version ? 'production' : model.staging === version ? 'staging' : 'none';
}

/** Versions of a model, oldest first, each with its current stage. */
export async function modelVersions(services: Services, name: string): Promise<ModelVersionRecord[]> {
  const [model, versions] = await Promise.all([requireModel(services, name), services.metadata.listModelVersions(name)]);
  return versions.map((v) => ({ ...v, stage: stageOf(model, v.version) }));
}

/** A version by number, or the one holding a stage ('production', 'staging') or the newest ('latest'). */
export type VersionRef = number | 'latest' | 'production' | 'staging';

/** Parse `name`, `name@3`, `name@production`: the CLI's and the API's way to name a version. */
export function parseVersionRef(text: string, fallback: VersionRef = 'production'): { name: string; ref: VersionRef } {
  const at = text.lastIndexOf('@');
  if (at < 0) return { name: text, ref: fallback };
  const name = text.slice(0, at);
  const ref = text.slice(at + 1);
  if (/^[1-9]\d*$/.test(ref)) return { name, ref: Number(ref) };
  if (ref === 'latest' || ref === 'production' || ref === 'staging') return { name, ref };
  throw new InputError(`"${ref}" is not a version: use a number, latest, staging or production`);
}

/** The version a reference names, or NotFoundError saying why there is none. */
export async function resolveVersion(services: Services, name: string, ref: VersionRef): Promise<ModelVersionRecord> {
  const model = await requireModel(services, name);
  const number = typeof ref === 'number' ? ref : ref === 'latest' ? model.latestVersion : model[ref];
  if (number === undefined) throw new NotFoundError(`model ${name} has no ${ref} version; promote one first`);
  const version = (await services.metadata.listModelVersions(name)).find((v) => v.version === number);
  if (!version) throw new NotFoundError(`model ${name} has no version ${number}`);
  return { ...version, stage: stageOf(model, number) };
}

export interface StageChange {
  readonly name: string;
  readonly version: number;
  readonly stage: ModelStage;
  /** The version that held the stage before, if another one did. */
  readonly previous?: number;
  /** Production and staging after the change. */
  readonly model: ModelRecord;
}

/** What a change does: the new stage pointers (none when nothing changes) and what to announce. */
interface StagePlan {
  readonly stages?: ModelStages;
  readonly version: number;
  readonly stage: ModelStage;
  readonly previous?: number;
}

/**
 * Apply a planned change to the model's stages with an optimistic write, re-reading and re-planning
 * when another change got there first.
 */
async function changeStages(
  services: Services,
  name: string,
  plan: (model: ModelRecord) => StagePlan,
  reason: 'promote' | 'rollback',
): Promise<StageChange> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const model = await requireModel(services, name);
    const { stages, ...change } = plan(model);
    if (!stages) return { name, ...change, model };
    if (!(await services.metadata.setModelStages(name, stages, model.revision))) continue;
    const after: ModelRecord = { ...model, ...stages, revision: model.revision + 1 };
    // Mirror stages on the version records the change touched.
    const touched = new Set([model.production, model.staging, after.production, after.staging].filter((v): v is number => v !== undefined));
    await Promise.all([...touched].map((v) => services.metadata.updateModelVersion(name, v, { stage: stageOf(after, v) })));
    const version = (await services.metadata.listModelVersions(name)).find((v) => v.version === change.version);
    await services.events.publish({
      type: 'ModelStageChanged',
      searchId: version?.searchId ?? '',
      time: nowIso(services),
      detail: { name, version: change.version, stage: change.stage, reason, ...(change.previous === undefined ? {} : { previous: change.previous }) },
    });
    return { name, ...change, model: after };
  }
  throw new ConflictError(`the stages of model ${name} kept changing underneath; try again`);
}

/**
 * Move a version into a stage. Production remembers the versions it served, for rollback;
 * a version leaves staging when it goes to production. Taking a production version out of
 * production is a rollback, not a promotion.
 */
export async function promoteVersion(services: Services, input: { name: string; version: number; stage: ModelStage }): Promise<StageChange> {
  const { name, version, stage } = input;
  const versions = await services.metadata.listModelVersions(name);
  if (!versions.some((v) => v.version === version)) {
    throw new NotFoundError(`model ${name} has no version ${version}` + (versions.length ? ` (it has 1 to ${Math.max(...versions.map((v) => v.version))})` : ''));
  }
  return changeStages(
    services,
    name,
    (model) => {
      const current = stageOf(model, version);
      if (current === stage) return { version, stage };
      if (current === 'production') {
        throw new ConflictError(`version ${version} of ${name} serves production; roll back or promote another version instead`);
      }
      const staging = model.staging === version ? undefined : model.staging;
      if (stage === 'production') {
        return {
          stages: { production: version, staging: staging, productionHistory: [...model.productionHistory, version] },
          version,
          stage,
          ...(model.production === undefined ? {} : { previous: model.production }),
        };
      }
      if (stage === 'staging') {
        return {
          stages: { production: model.production, staging: version, productionHistory: model.productionHistory },
          version,
          stage,
          ...(model.staging === undefined ? {} : { previous: model.staging }),
        };
      }
      return { stages: { production: model.production, staging, productionHistory: model.productionHistory }, version, stage };
    },
    'promote',
  );
}

/**
 * Return production to the version that served before the current one, or to `to` when
 * given (a version that served production earlier). The versions served after it are
 * dropped from the production history.
 */
export async function rollbackModel(services: Services, input: { name: string; to?: number }): Promise<StageChange> {
  return changeStages(
    services,
    input.name,
    (model) => {
      const history = model.productionHistory;
      const current = model.production;
      if (current === undefined) throw new ConflictError(`model ${input.name} has no production version to roll back`);
      const earlier = history.slice(0, -1);
      const index = input.to === undefined ? earlier.length - 1 : earlier.lastIndexOf(input.to);
      if (index < 0) {
        throw new ConflictError(
          input.to === undefined
            ? `model ${input.name} has no earlier production version to roll back to`
            : `version ${input.to} of ${input.name} never served production before version ${current}; promote it instead`,
        );
      }
      const target = earlier[index] as number;
      return {
        stages: { production: target, staging: model.staging === target ? undefined : model.staging, productionHistory: history.slice(0, index + 1) },
        version: target,
        stage: 'production',
        previous: current,
      };
    },
    'rollback',
  );
}
