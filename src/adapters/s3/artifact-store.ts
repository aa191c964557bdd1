/**
 * The artifact port on an S3 bucket: each key is an object key (optionally under a fixed
 * prefix), in the layout described by {@link artifactKeys}. The client is injected, so the
 * same code runs against AWS and against a local S3-compatible server in tests.
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ArtifactStore, StoredArtifact } from '../../ports/artifact-store.js';

/** Reject keys the filesystem adapter would reject too, so both stores accept the same keys. */
function checkKey(key: string): void {
  if (key === '' || key.startsWith('/') || key.split('/').some((part) => part === '..' || part === '.')) {
    throw new RangeError(`invalid artifact key ${JSON.stringify(key)}`);
  }
}

/** `''` stays empty; anything else is checked and made to end with `/`. */
function normalizePrefix(prefix: string): string {
  if (prefix === '') return '';
  const folder = prefix.endsWith('/') ? prefix : `${prefix}/`;
  checkKey(folder.slice(0, -1));
  return folder;
}

/** True for the error S3 answers when an object does not exist (and only that one). */
function isNoSuchKey(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'NoSuchKey';
}

/** Artifacts as objects in one S3 bucket. */
export class S3ArtifactStore implements ArtifactStore {
  /** The key prefix every object of this store lives under: `''` or ending with `/`. */
  readonly prefix: string;

  /**
   * `client`: an S3 client (region, credentials, endpoint are the caller's business);
   * `bucket`: the bucket name; `prefix`: an optional folder all keys are stored under.
   */
  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
    prefix = '',
  ) {
    this.prefix = normalizePrefix(prefix);
  }

  /** The object key of an artifact key; rejects keys that are empty, absolute or have `.`/`..` parts. */
  objectKey(key: string): string {
    checkKey(key);
    return this.prefix + key;
  }

  async put(key: string, body: Uint8Array | string, contentType?: string): Promise<StoredArtifact> {
    const response = await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.objectKey(key),
        Body: body,
        ...(contentType === undefined ? {} : { ContentType: contentType }),
      }),
    );
    return { key, versionId: response.VersionId ?? null };
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      if (!response.Body) return new Uint8Array();
      const bytes = await response.Body.transformToByteArray();
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (error) {
      if (isNoSuchKey(error)) return undefined;
      throw error;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const response = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: this.prefix + prefix,
          ...(token === undefined ? {} : { ContinuationToken: token }),
        }),
      );
      for (const object of response.Contents ?? []) {
        if (object.Key !== undefined) keys.push(object.Key.slice(this.prefix.length));
      }
      token = response.IsTruncated ? response.NextContinuationToken : undefined;
    } while (token !== undefined);
    return keys.sort();
  }
}
