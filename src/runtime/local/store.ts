/**
 * The embedded local store: DynamoDB's API served by dynalite from LevelDB files under the
 * modelsmith home folder, artifacts as files in the S3 key layout, and an event log. Only
 * one process can own the LevelDB files, so the owner records its port in `db/server.json`
 * and other modelsmith processes (a `list` during a search, trainer threads) connect to it.
 */
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import dynalite from 'dynalite';
import { DynamoMetadataStore, tableDefinition } from '../../adapters/dynamodb/metadata-store.js';
import { LocalEventBus } from '../../adapters/events/local-event-bus.js';
import { FileArtifactStore } from '../../adapters/filesystem/artifact-store.js';

export const LOCAL_TABLE = 'modelsmith-local';

/** Where a running store can be reached. */
export interface StoreEndpoint {
  readonly endpoint: string;
  readonly tableName: string;
  readonly artifactsRoot: string;
}

export interface LocalStore extends StoreEndpoint {
  readonly home: string;
  readonly metadata: DynamoMetadataStore;
  readonly artifacts: FileArtifactStore;
  readonly events: LocalEventBus;
  close(): Promise<void>;
}

/** A DynamoDB client for a local endpoint (dynalite accepts any credentials). */
export function localDynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 5,
  });
}

function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function runningServer(infoPath: string): Promise<number | undefined> {
  try {
    const info = JSON.parse(await readFile(infoPath, 'utf8')) as { port: number; pid: number };
    if (info.pid !== process.pid && alive(info.pid) && (await reachable(info.port))) return info.port;
  } catch {
    // No server recorded, or the record is stale.
  }
  return undefined;
}

type Server = ReturnType<typeof dynalite>;

async function startServer(dbPath: string): Promise<Server> {
  const server = dynalite({ path: dbPath, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return server;
}

async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException) && (error as Error).name !== 'ResourceNotFoundException') throw error;
    try {
      await client.send(new CreateTableCommand(tableDefinition(tableName)));
    } catch (createError) {
      if ((createError as Error).name !== 'ResourceInUseException') throw createError;
    }
  }
  // A new table answers only once it is ACTIVE.
  for (let attempt = 0; attempt < 100; attempt++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`the local table ${tableName} did not become active`);
}

/** Servers this process runs, by database path: stores opened here again share them. */
const servedHere = new Map<string, { readonly server: Server; readonly port: number; users: number }>();

/** Open (or join) the local store under `home`. */
export async function openLocalStore(home: string): Promise<LocalStore> {
  const dbPath = join(home, 'db');
  const infoPath = join(dbPath, 'server.json');
  await mkdir(dbPath, { recursive: true });
  let shared = servedHere.get(dbPath);
  if (shared) shared.users++;
  let port = shared?.port ?? (await runningServer(infoPath));
  for (let attempt = 0; port === undefined; attempt++) {
    try {
      const server = await startServer(dbPath);
      port = (server.address() as { port: number }).port;
      shared = { server, port, users: 1 };
      servedHere.set(dbPath, shared);
      await writeFile(infoPath, JSON.stringify({ port, pid: process.pid }));
    } catch (error) {
      // Another process took the LevelDB lock first: use its server.
      await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
      port = await runningServer(infoPath);
      if (port === undefined && attempt >= 20) {
        throw new Error(`cannot open the local store at ${dbPath}: ${(error as Error).message}`, { cause: error });
      }
    }
  }
  const endpoint = `http://127.0.0.1:${port}`;
  const client = localDynamoClient(endpoint);
  await ensureTable(client, LOCAL_TABLE);
  const artifactsRoot = join(home, 'artifacts');
  const owned = shared;
  return {
    home,
    endpoint,
    tableName: LOCAL_TABLE,
    artifactsRoot,
    metadata: new DynamoMetadataStore(client, LOCAL_TABLE),
    artifacts: new FileArtifactStore(artifactsRoot),
    events: new LocalEventBus(join(home, 'events.jsonl')),
    async close() {
      client.destroy();
      if (!owned || --owned.users > 0) return;
      servedHere.delete(dbPath);
      await rm(infoPath, { force: true });
      await new Promise<void>((resolve) => owned.server.close(() => resolve()));
    },
  };
}
