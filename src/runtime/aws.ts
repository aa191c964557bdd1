/**
 * The cloud runtime: configuration read from the environment a Lambda function or the
 * trainer container is given, and the {@link Services} bundle on AWS adapters (DynamoDB,
 * S3, EventBridge). Clients are created once per process and reused across invocations.
 * Standard `AWS_ENDPOINT_URL_*` variables point the SDK at local servers in tests.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { DynamoMetadataStore } from '../adapters/dynamodb/metadata-store.js';
import { EventBridgeEventBus } from '../adapters/eventbridge/event-bus.js';
import { S3ArtifactStore } from '../adapters/s3/artifact-store.js';
import { S3DatasetSource } from '../adapters/s3/dataset-source.js';
import type { Services } from '../app/services.js';
import { ModelsmithError } from '../core/errors.js';
import { assembleServices } from './services.js';

/** The deployment is missing a setting: a configuration error, never retried. */
export class ConfigurationError extends ModelsmithError {}

/** Where datasets may be read from in the bucket. */
export const DATASET_PREFIXES = ['datasets/', 'specs/'] as const;

const EnvSchema = z.object({
  MODELSMITH_TABLE: z.string().min(3),
  MODELSMITH_BUCKET: z.string().min(3),
  MODELSMITH_EVENT_BUS: z.string().min(1),
  MODELSMITH_STATE_MACHINE_ARN: z.string().optional(),
  /** For S3-compatible servers that need path-style addressing (tests). */
  MODELSMITH_S3_FORCE_PATH_STYLE: z.enum(['true', 'false']).optional(),
});

export interface AwsConfig {
  readonly tableName: string;
  readonly bucketName: string;
  readonly eventBusName: string;
  readonly stateMachineArn?: string;
  readonly forcePathStyle: boolean;
}

/** Read the deployment's settings from environment variables. */
export function awsConfigFromEnv(env: Readonly<Record<string, string | undefined>>): AwsConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const names = [...new Set(parsed.error.issues.map((i) => String(i.path[0])))].join(', ');
    throw new ConfigurationError(`the function is missing settings: ${names} (set by the deployment)`);
  }
  const e = parsed.data;
  return {
    tableName: e.MODELSMITH_TABLE,
    bucketName: e.MODELSMITH_BUCKET,
    eventBusName: e.MODELSMITH_EVENT_BUS,
    ...(e.MODELSMITH_STATE_MACHINE_ARN ? { stateMachineArn: e.MODELSMITH_STATE_MACHINE_ARN } : {}),
    forcePathStyle: e.MODELSMITH_S3_FORCE_PATH_STYLE === 'true',
  };
}

export interface AwsClients {
  readonly dynamodb: DynamoDBClient;
  readonly s3: S3Client;
  readonly events: EventBridgeClient;
  readonly sfn: SFNClient;
}

const clients = new Map<string, AwsClients>();

/** SDK clients for a configuration, created once per process. */
export function awsClients(config: AwsConfig): AwsClients {
  const key = JSON.stringify(config);
  let set = clients.get(key);
  if (!set) {
    set = {
      dynamodb: new DynamoDBClient({}),
      s3: new S3Client({ forcePathStyle: config.forcePathStyle }),
      events: new EventBridgeClient({}),
      sfn: new SFNClient({}),
    };
    clients.set(key, set);
  }
  return set;
}

/** The bucket folder relative dataset URIs of API-submitted specs resolve against. */
export function bucketBase(config: AwsConfig): string {
  return `s3://${config.bucketName}/`;
}

/** The use cases' services on AWS adapters. `backend` names the training backend, if any. */
export function awsServices(config: AwsConfig, backend = 'none', cache = new Map<string, unknown>()): Services {
  const c = awsClients(config);
  return assembleServices({
    metadata: new DynamoMetadataStore(c.dynamodb, config.tableName),
    artifacts: new S3ArtifactStore(c.s3, config.bucketName),
    events: new EventBridgeEventBus(c.events, config.eventBusName),
    datasets: new S3DatasetSource(c.s3, config.bucketName, DATASET_PREFIXES),
    backend,
    cache,
  });
}
