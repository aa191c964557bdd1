/**
 * The metadata port on DynamoDB: one table, searches and their trials under one partition
 * key, model versions under another. State changes of trials are conditional writes, so a
 * retried or redelivered task cannot record an outcome twice. The same code runs against
 * AWS and against the embedded dynalite server locally.
 */
import {
  ConditionalCheckFailedException,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../../core/errors.js';
import type { MetadataStore, TrialOutcomeFields } from '../../ports/metadata-store.js';
import type { AnySearchRecord, FoldSummary, ModelRecord, ModelStages, ModelVersionRecord, SearchRecord, TrialLane, TrialRecord } from '../../ports/records.js';

/** Key attribute names, shared with the CDK table definition. */
export const TABLE_KEYS = { partition: 'pk', sort: 'sk', indexName: 'gsi1', indexPartition: 'gsi1pk', indexSort: 'gsi1sk' } as const;

/** The table's schema, for creating it locally (the CDK stack declares the same). */
export function tableDefinition(tableName: string): CreateTableCommandInput {
  const k = TABLE_KEYS;
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: k.partition, AttributeType: 'S' },
      { AttributeName: k.sort, AttributeType: 'S' },
      { AttributeName: k.indexPartition, AttributeType: 'S' },
      { AttributeName: k.indexSort, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: k.partition, KeyType: 'HASH' },
      { AttributeName: k.sort, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: k.indexName,
        KeySchema: [
          { AttributeName: k.indexPartition, KeyType: 'HASH' },
          { AttributeName: k.indexSort, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  };
}

const searchKey = (searchId: string) => ({ pk: `SEARCH#${searchId}`, sk: 'SEARCH' });
const trialKey = (searchId: string, number: number) => ({ pk: `SEARCH#${searchId}`, sk: `TRIAL#${String(number).padStart(6, '0')}` });
const modelKey = (name: string) => ({ pk: `MODEL#${name}`, sk: 'MODEL' });

/** A model item as the port's record (items written before stages existed read as revision 0). */
function modelRecord(item: Record<string, unknown>): ModelRecord {
  return {
    name: item.name as string,
    latestVersion: item.latestVersion as number,
    ...(typeof item.production === 'number' ? { production: item.production } : {}),
    ...(typeof item.staging === 'number' ? { staging: item.staging } : {}),
    productionHistory: (item.productionHistory as number[] | undefined) ?? [],
    revision: (item.revision as number | undefined) ?? 0,
  };
}
const versionKey = (name: string, version: number) => ({ pk: `MODEL#${name}`, sk: `VERSION#${String(version).padStart(6, '0')}` });
const KEY_FIELDS = ['pk', 'sk', 'gsi1pk', 'gsi1sk'];

/** JSON-normalize a value for DynamoDB: drops undefined, turns NaN/Infinity into null. */
function clean<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function strip<T>(item: Record<string, unknown> | undefined): T | undefined {
  if (!item) return undefined;
  const copy = { ...item };
  for (const key of KEY_FIELDS) delete copy[key];
  return copy as T;
}

/** Build `SET #a = :a, ...` for the defined fields of an object. */
function setExpression(fields: Record<string, unknown>, prefix = 'f'): {
  expression: string;
  names: Record<string, string>;
  values: Record<string, unknown>;
} {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const parts: string[] = [];
  Object.entries(clean(fields)).forEach(([key, value], i) => {
    names[`#${prefix}${i}`] = key;
    values[`:${prefix}${i}`] = value;
    parts.push(`#${prefix}${i} = :${prefix}${i}`);
  });
  return { expression: parts.length ? `SET ${parts.join(', ')}` : '', names, values };
}

function isConditionFailure(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException || (error as { name?: string })?.name === 'ConditionalCheckFailedException';
}

export class DynamoMetadataStore implements MetadataStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(client: DynamoDBClient, private readonly tableName: string) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  private async queryAll(input: Omit<QueryCommandInput, 'TableName'>, limit = Infinity): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(new QueryCommand({ ...input, TableName: this.tableName, ExclusiveStartKey: start }));
      items.push(...((page.Items ?? []) as Record<string, unknown>[]));
      start = page.LastEvaluatedKey as Record<string, unknown> | undefined;
    } while (start && items.length < limit);
    return items.slice(0, limit);
  }

  async createSearch(search: AnySearchRecord): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...clean(search), ...searchKey(search.searchId), gsi1pk: 'SEARCH', gsi1sk: `${search.createdAt}#${search.searchId}` },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new ConflictError(`search ${search.searchId} already exists`, { cause: error });
      throw error;
    }
  }

  async getSearch(searchId: string): Promise<AnySearchRecord | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: searchKey(searchId), ConsistentRead: true }));
    return strip<AnySearchRecord>(out.Item);
  }

  async listSearches(limit = 100): Promise<AnySearchRecord[]> {
    const items = await this.queryAll(
      {
        IndexName: TABLE_KEYS.indexName,
        KeyConditionExpression: 'gsi1pk = :kind',
        ExpressionAttributeValues: { ':kind': 'SEARCH' },
        ScanIndexForward: false,
      },
      limit,
    );
    return items.map((i) => strip<AnySearchRecord>(i) as AnySearchRecord);
  }

  async updateSearch(searchId: string, fields: Partial<Omit<SearchRecord, 'searchId' | 'createdAt'>>): Promise<void> {
    await this.setSearchFields(searchId, fields);
  }

  async advanceSearch(searchId: string, trialCount: number, fields: Partial<Omit<SearchRecord, 'searchId' | 'createdAt'>>): Promise<boolean> {
    try {
      await this.setSearchFields(searchId, fields, { expression: '#trialCount = :expected', names: { '#trialCount': 'trialCount' }, values: { ':expected': trialCount } });
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  private async setSearchFields(
    searchId: string,
    fields: Record<string, unknown>,
    condition: { expression: string; names: Record<string, string>; values: Record<string, unknown> } = { expression: '', names: {}, values: {} },
  ): Promise<void> {
    const set = setExpression(fields);
    if (!set.expression) return;
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: searchKey(searchId),
        UpdateExpression: set.expression,
        ConditionExpression: condition.expression ? `attribute_exists(pk) AND ${condition.expression}` : 'attribute_exists(pk)',
        ExpressionAttributeNames: { ...set.names, ...condition.names },
        ExpressionAttributeValues: { ...set.values, ...condition.values },
      }),
    );
  }

  async putTrials(trials: readonly TrialRecord[]): Promise<void> {
    await Promise.all(
      trials.map(async (trial) => {
        try {
          await this.doc.send(
            new PutCommand({
              TableName: this.tableName,
              Item: { folds: {}, ...clean(trial), ...trialKey(trial.searchId, trial.number) },
              ConditionExpression: 'attribute_not_exists(pk)',
            }),
          );
        } catch (error) {
          if (!isConditionFailure(error)) throw error;
        }
      }),
    );
  }

  async getTrial(searchId: string, number: number): Promise<TrialRecord | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: trialKey(searchId, number), ConsistentRead: true }));
    return strip<TrialRecord>(out.Item);
  }

  async assignTrial(searchId: string, number: number, lane: TrialLane, from: TrialLane | undefined): Promise<boolean> {
    const held = from
      ? { expression: '#heldBy.#run = :fromRun AND #heldBy.#lane = :fromLane', values: { ':fromRun': from.run, ':fromLane': from.lane } }
      : { expression: 'attribute_not_exists(#heldBy)', values: {} };
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: trialKey(searchId, number),
          UpdateExpression: 'SET #heldBy = :lane',
          ConditionExpression: `attribute_exists(pk) AND #status IN (:proposed, :running) AND ${held.expression}`,
          ExpressionAttributeNames: { '#heldBy': 'heldBy', '#status': 'status', ...(from ? { '#run': 'run', '#lane': 'lane' } : {}) },
          ExpressionAttributeValues: { ':lane': { run: lane.run, lane: lane.lane }, ':proposed': 'proposed', ':running': 'running', ...held.values },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async listTrials(searchId: string): Promise<TrialRecord[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :trial)',
      ExpressionAttributeValues: { ':pk': searchKey(searchId).pk, ':trial': 'TRIAL#' },
      ConsistentRead: true,
    });
    return items.map((i) => strip<TrialRecord>(i) as TrialRecord);
  }

  async startTrial(searchId: string, number: number, startedAt: string, fields: Partial<TrialRecord> = {}): Promise<TrialRecord> {
    const set = setExpression({ ...fields, startedAt, status: 'running' });
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: trialKey(searchId, number),
          UpdateExpression: `${set.expression} ADD attempts :one`,
          ConditionExpression: 'attribute_exists(pk) AND #status IN (:proposed, :running)',
          ExpressionAttributeNames: { ...set.names, '#status': 'status' },
          ExpressionAttributeValues: { ...set.values, ':one': 1, ':proposed': 'proposed', ':running': 'running' },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return strip<TrialRecord>(out.Attributes) as TrialRecord;
    } catch (error) {
      if (isConditionFailure(error)) throw new ConflictError(`trial ${number} of ${searchId} has already finished`, { cause: error });
      throw error;
    }
  }

  async recordFold(searchId: string, number: number, fold: number, summary: FoldSummary): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: trialKey(searchId, number),
          UpdateExpression: 'SET folds.#fold = :summary',
          ConditionExpression: '#status = :running',
          ExpressionAttributeNames: { '#fold': String(fold), '#status': 'status' },
          ExpressionAttributeValues: { ':summary': clean(summary), ':running': 'running' },
        }),
      );
    } catch (error) {
      // A trial that finished meanwhile (a concurrent duplicate) keeps its recorded folds.
      if (!isConditionFailure(error)) throw error;
    }
  }

  async finishTrial(searchId: string, number: number, outcome: TrialOutcomeFields): Promise<boolean> {
    const set = setExpression(outcome as Record<string, unknown>);
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: trialKey(searchId, number),
          UpdateExpression: set.expression,
          ConditionExpression: 'attribute_exists(pk) AND #status IN (:proposed, :running)',
          ExpressionAttributeNames: { ...set.names, '#status': 'status' },
          ExpressionAttributeValues: { ...set.values, ':proposed': 'proposed', ':running': 'running' },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async registerModelVersion(version: Omit<ModelVersionRecord, 'version'>): Promise<ModelVersionRecord> {
    const counter = await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: modelKey(version.name),
        UpdateExpression: 'ADD latestVersion :one SET #name = :name, gsi1pk = :kind, gsi1sk = :name',
        ExpressionAttributeNames: { '#name': 'name' },
        ExpressionAttributeValues: { ':one': 1, ':name': version.name, ':kind': 'MODEL' },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const record: ModelVersionRecord = { ...version, version: counter.Attributes?.latestVersion as number };
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...clean(record), ...versionKey(record.name, record.version) },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return record;
  }

  async updateModelVersion(name: string, version: number, fields: Partial<Omit<ModelVersionRecord, 'name' | 'version'>>): Promise<void> {
    const set = setExpression(fields);
    if (!set.expression) return;
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: versionKey(name, version),
        UpdateExpression: set.expression,
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: set.names,
        ExpressionAttributeValues: set.values,
      }),
    );
  }

  async listModelVersions(name: string): Promise<ModelVersionRecord[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :version)',
      ExpressionAttributeValues: { ':pk': modelKey(name).pk, ':version': 'VERSION#' },
      ConsistentRead: true,
    });
    return items.map((i) => strip<ModelVersionRecord>(i) as ModelVersionRecord);
  }

  async listModels(): Promise<ModelRecord[]> {
    const items = await this.queryAll({
      IndexName: TABLE_KEYS.indexName,
      KeyConditionExpression: 'gsi1pk = :kind',
      ExpressionAttributeValues: { ':kind': 'MODEL' },
    });
    return items.map(modelRecord);
  }

  async getModel(name: string): Promise<ModelRecord | undefined> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: modelKey(name), ConsistentRead: true }));
    return Item ? modelRecord(Item) : undefined;
  }

  async setModelStages(name: string, stages: ModelStages, revision: number): Promise<boolean> {
    const remove = (['production', 'staging'] as const).filter((k) => stages[k] === undefined);
    const set = (['production', 'staging'] as const).filter((k) => stages[k] !== undefined);
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: modelKey(name),
          UpdateExpression:
            `SET productionHistory = :history, revision = :next${set.map((k) => `, ${k} = :${k}`).join('')}` +
            (remove.length ? ` REMOVE ${remove.join(', ')}` : ''),
          ConditionExpression: revision === 0 ? 'attribute_exists(pk) AND attribute_not_exists(revision)' : 'revision = :revision',
          ExpressionAttributeValues: {
            ':history': [...stages.productionHistory],
            ':next': revision + 1,
            ...(revision === 0 ? {} : { ':revision': revision }),
            ...Object.fromEntries(set.map((k) => [`:${k}`, stages[k]])),
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}
