/**
 * A real S3-compatible server for tests: s3rver in process on 127.0.0.1 (a free port,
 * objects in a temporary folder, its logging silenced) with one bucket and a client for it.
 */
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { tempDir } from '../helpers.js';

/** The part of s3rver's API used here (the package ships no type declarations). */
interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: {
  address: string;
  port: number;
  directory: string;
  silent: boolean;
  resetOnClose?: boolean;
}) => S3rverInstance;

const require = createRequire(import.meta.url);
const S3rver = require('s3rver') as S3rverConstructor;

/**
 * s3rver seals ListObjectsV2 continuation tokens with DES, which OpenSSL 3 (Node 17 and
 * later) refuses unless Node starts with the legacy provider: every truncated listing then
 * answers InternalError. When DES is unavailable, let `'des'` ciphers pass bytes through
 * unchanged, so s3rver's own pagination runs (its tokens stay opaque base64 to clients).
 * Only s3rver asks for DES here; every other algorithm goes to Node untouched.
 */
function allowS3rverContinuationTokens(): void {
  const crypto = require('node:crypto') as typeof import('node:crypto');
  try {
    crypto.createCipheriv('des', Buffer.alloc(8), Buffer.alloc(8));
    return;
  } catch {
    // DES is unavailable: install the pass-through below.
  }
  const passThrough = () => ({
    update: (data: string | Uint8Array, encoding?: BufferEncoding) =>
      typeof data === 'string' ? Buffer.from(data, encoding) : Buffer.from(data),
    final: () => Buffer.alloc(0),
  });
  const { createCipheriv, createDecipheriv } = crypto;
  crypto.createCipheriv = ((algorithm: string, ...rest: unknown[]) =>
    algorithm === 'des' ? passThrough() : Reflect.apply(createCipheriv, crypto, [algorithm, ...rest])) as typeof createCipheriv;
  crypto.createDecipheriv = ((algorithm: string, ...rest: unknown[]) =>
    algorithm === 'des' ? passThrough() : Reflect.apply(createDecipheriv, crypto, [algorithm, ...rest])) as typeof createDecipheriv;
}
allowS3rverContinuationTokens();

/** A running server, its bucket, a client pointed at it, and how to stop it all. */
export interface S3Server {
  readonly endpoint: string;
  readonly bucket: string;
  readonly client: S3Client;
  close(): Promise<void>;
}

/** Start s3rver and create `bucket` through the S3 API. */
export async function startS3Server(bucket = 'modelsmith-test'): Promise<S3Server> {
  const directory = await tempDir('modelsmith-s3rver-');
  const server = new S3rver({ address: '127.0.0.1', port: 0, directory: directory.path, silent: true });
  let client: S3Client | undefined;
  try {
    const { port } = await server.run();
    const endpoint = `http://127.0.0.1:${port}`;
    client = new S3Client({
      endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    const opened = client;
    return {
      endpoint,
      bucket,
      client: opened,
      async close() {
        opened.destroy();
        await server.close();
        await directory.cleanup();
      },
    };
  } catch (error) {
    client?.destroy();
    await server.close().catch(() => {});
    await directory.cleanup();
    throw error;
  }
}
