/**
 * A local stand-in for the AWS account a deployment uses, for running the real Lambda
 * handlers and the trainer entrypoint in tests: DynamoDB's API from dynalite, S3 from
 * s3rver, and — because neither can run here — a small HTTP endpoint speaking the JSON
 * protocols of EventBridge (PutEvents, recorded) and Step Functions (StartExecution and
 * StopExecution, handed to a callback). The process environment is pointed at all of it
 * the way a deployment sets it, through the SDK's `AWS_ENDPOINT_URL_*` variables.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import dynalite from 'dynalite';
import { tableDefinition } from '../../src/adapters/dynamodb/metadata-store.js';
import { localDynamoClient } from '../../src/runtime/local/store.js';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Services } from '../../src/app/services.js';
import { awsConfigFromEnv, awsServices } from '../../src/runtime/aws.js';
import { DATASETS } from '../helpers.js';
import { startS3Server, type S3Server } from './s3-server.js';

export interface RecordedEvent {
  readonly Source: string;
  readonly DetailType: string;
  readonly Detail: string;
  readonly EventBusName: string;
}

export interface StartedExecution {
  readonly stateMachineArn: string;
  readonly name: string;
  readonly input: unknown;
}

export interface LocalCloud {
  readonly env: Record<string, string>;
  readonly s3: S3Server;
  /** Every event published, in order. */
  readonly events: RecordedEvent[];
  readonly started: StartedExecution[];
  readonly stopped: { executionArn: string; error?: string; cause?: string }[];
  /** Called for each StartExecution (e.g. to run the definition locally). */
  onStart?: (execution: StartedExecution) => void;
  putObject(key: string, body: string | Uint8Array): Promise<void>;
  /** Events of one type, with their details parsed. */
  eventsOf(type: string): Record<string, unknown>[];
  close(): Promise<void>;
}

const TABLE = 'modelsmith-cloud-test';
export const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:Modelsmith-search';

/** Start the local cloud and point `process.env` at it (restored by `close`). */
export async function startLocalCloud(): Promise<LocalCloud> {
  const dynamo = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => dynamo.listen(0, '127.0.0.1', () => resolve()));
  const dynamoEndpoint = `http://127.0.0.1:${(dynamo.address() as AddressInfo).port}`;
  const client = localDynamoClient(dynamoEndpoint);
  await client.send(new CreateTableCommand(tableDefinition(TABLE)));
  client.destroy();

  const s3 = await startS3Server('modelsmith-artifacts-test');
  const executions = new Set<string>();
  const cloud: LocalCloud = {
    env: {},
    s3,
    events: [],
    started: [],
    stopped: [],
    async putObject(key, body) {
      await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body }));
    },
    eventsOf(type) {
      return cloud.events.filter((e) => e.DetailType === type).map((e) => JSON.parse(e.Detail) as Record<string, unknown>);
    },
    close: async () => {},
  };

  const api: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const target = String(request.headers['x-amz-target'] ?? '');
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      const reply = (status: number, payload: unknown) => {
        response.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
        response.end(JSON.stringify(payload));
      };
      if (target === 'AWSEvents.PutEvents') {
        const entries = body.Entries as RecordedEvent[];
        cloud.events.push(...entries);
        return reply(200, { FailedEntryCount: 0, Entries: entries.map((_, i) => ({ EventId: `e-${cloud.events.length}-${i}` })) });
      }
      if (target === 'AWSStepFunctions.StartExecution') {
        const execution = { stateMachineArn: String(body.stateMachineArn), name: String(body.name), input: JSON.parse(String(body.input)) };
        const arn = `${execution.stateMachineArn.replace(':stateMachine:', ':execution:')}:${execution.name}`;
        if (!executions.has(arn)) {
          executions.add(arn);
          cloud.started.push(execution);
          cloud.onStart?.(execution);
        }
        return reply(200, { executionArn: arn, startDate: Date.now() / 1000 });
      }
      if (target === 'AWSStepFunctions.StopExecution') {
        cloud.stopped.push({ executionArn: String(body.executionArn), error: body.error as string, cause: body.cause as string });
        return reply(200, { stopDate: Date.now() / 1000 });
      }
      reply(400, { __type: 'UnknownOperationException', message: `the stand-in does not serve ${target}` });
    });
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  const apiEndpoint = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;

  const env: Record<string, string> = {
    AWS_REGION: 'us-east-1',
    // s3rver accepts only its own key pair; dynalite and the stand-in accept anything.
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint,
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_ENDPOINT_URL_EVENTBRIDGE: apiEndpoint,
    AWS_ENDPOINT_URL_SFN: apiEndpoint,
    MODELSMITH_TABLE: TABLE,
    MODELSMITH_BUCKET: s3.bucket,
    MODELSMITH_EVENT_BUS: 'modelsmith-test-bus',
    MODELSMITH_STATE_MACHINE_ARN: STATE_MACHINE_ARN,
    MODELSMITH_S3_FORCE_PATH_STYLE: 'true',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    AWS_LAMBDA_FUNCTION_NAME: 'modelsmith-test',
  };
  const previous = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  Object.assign(cloud, { env });
  cloud.close = async () => {
    for (const [k, v] of Object.entries(previous)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await new Promise<void>((resolve) => api.close(() => resolve()));
    await s3.close();
    await new Promise<void>((resolve) => dynamo.close(() => resolve()));
  };
  return cloud;
}

/** The local cloud with the iris dataset under `datasets/`, and services on it. */
export async function startLocalCloudWithIris(): Promise<{ cloud: LocalCloud; services: Services }> {
  const cloud = await startLocalCloud();
  await cloud.putObject('datasets/iris.csv', readFileSync(join(DATASETS, 'iris.csv')));
  return { cloud, services: awsServices(awsConfigFromEnv(process.env)) };
}

/** A Lambda context good enough for middy and Powertools. */
export function lambdaContext(functionName = 'modelsmith-test') {
  return {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: `request-${Math.random().toString(36).slice(2)}`,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => 900_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}
