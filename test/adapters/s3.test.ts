/**
 * The S3 adapters (artifact store, dataset source) against s3rver, a real S3-compatible
 * server running in process: the artifact store contract plus S3-specific behaviour.
 */
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ArtifactStore } from '../../src/adapters/s3/artifact-store.js';
import { S3DatasetSource } from '../../src/adapters/s3/dataset-source.js';
import { DatasetError } from '../../src/core/errors.js';
import { artifactStoreContract } from '../ports/artifact-store.contract.js';
import { startS3Server, type S3Server } from '../support/s3-server.js';

let server: S3Server;
beforeAll(async () => {
  server = await startS3Server();
});
afterAll(async () => {
  await server?.close();
});

// Each test gets its own key prefix in the one bucket, so tests never see each other's objects.
let opened = 0;
const freshPrefix = () => `test-${++opened}/`;

artifactStoreContract('S3 (s3rver)', async () => ({
  store: new S3ArtifactStore(server.client, server.bucket, freshPrefix()),
  close: async () => {},
}));

describe('S3 artifact store', () => {
  it('returns a null version id on an unversioned bucket', async () => {
    const store = new S3ArtifactStore(server.client, server.bucket, freshPrefix());
    expect(await store.put('searches/a/spec.json', '{}')).toEqual({ key: 'searches/a/spec.json', versionId: null });
  });

  it('stores the content type when one is given', async () => {
    const prefix = freshPrefix();
    const store = new S3ArtifactStore(server.client, server.bucket, prefix);
    await store.put('searches/a/spec.json', '{"x":1}', 'application/json');
    const head = await server.client.send(new HeadObjectCommand({ Bucket: server.bucket, Key: `${prefix}searches/a/spec.json` }));
    expect(head.ContentType).toBe('application/json');
  });

  it('keeps objects under its key prefix and lists keys without it', async () => {
    const store = new S3ArtifactStore(server.client, server.bucket, 'deploy/artifacts');
    expect(store.prefix).toBe('deploy/artifacts/');
    await store.put('models/m/versions/1/model.json', '{}');
    const listed = await server.client.send(new ListObjectsV2Command({ Bucket: server.bucket, Prefix: 'deploy/' }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual(['deploy/artifacts/models/m/versions/1/model.json']);
    expect(await store.list('models/')).toEqual(['models/m/versions/1/model.json']);
  });

  it('writes exactly the bytes of a Uint8Array view', async () => {
    const store = new S3ArtifactStore(server.client, server.bucket, freshPrefix());
    const view = new Uint8Array([9, 1, 2, 3, 9]).subarray(1, 4);
    await store.put('w.bin', view);
    expect(Array.from((await store.get('w.bin')) ?? [])).toEqual([1, 2, 3]);
  });

  it('follows continuation tokens until the listing is complete', async () => {
    const prefix = freshPrefix();
    const store = new S3ArtifactStore(server.client, server.bucket, prefix);
    const keys = ['p/e.txt', 'p/a.txt', 'p/d/x.txt', 'p/b.txt', 'p/c.txt'];
    await Promise.all(keys.map((key) => store.put(key, key)));
    // Test-only: S3 pages at 1000 keys; shrink the page to 2 so five keys take three requests.
    let pages = 0;
    server.client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'ListObjectsV2Command') {
          pages += 1;
          (args.input as { MaxKeys?: number }).MaxKeys = 2;
        }
        return next(args);
      },
      { step: 'initialize', name: 'testSmallListPages' },
    );
    try {
      expect(await store.list('p/')).toEqual(['p/a.txt', 'p/b.txt', 'p/c.txt', 'p/d/x.txt', 'p/e.txt']);
      expect(pages).toBe(3);
    } finally {
      server.client.middlewareStack.remove('testSmallListPages');
    }
  });

  it('treats only a missing key as absent; other errors propagate', async () => {
    const store = new S3ArtifactStore(server.client, 'no-such-bucket');
    await expect(store.get('a.txt')).rejects.toMatchObject({ name: 'NoSuchBucket' });
  });

  it('refuses keys the filesystem store refuses', async () => {
    const store = new S3ArtifactStore(server.client, server.bucket);
    await expect(store.put('../x.txt', 'x')).rejects.toThrow(/invalid artifact key/);
    await expect(store.put('/x.txt', 'x')).rejects.toThrow(/invalid artifact key/);
    await expect(store.get('a/./b')).rejects.toThrow(/invalid artifact key/);
    expect(() => new S3ArtifactStore(server.client, server.bucket, '../up')).toThrow(/invalid artifact key/);
  });
});

describe('S3 dataset source', () => {
  const csv = 'a,b\n1,2\n';
  let source: S3DatasetSource;
  let bucket: string;
  beforeAll(async () => {
    bucket = server.bucket;
    source = new S3DatasetSource(server.client, bucket, ['datasets/', 'specs']);
    await server.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'datasets/d.csv', Body: csv }));
    await server.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'specs/run-1/local.csv', Body: csv }));
    await server.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'private/secret.csv', Body: 'no\n' }));
  });

  it('resolves s3:// URIs and keys relative to the spec folder, and reads the object', async () => {
    expect(source.resolve(`s3://${bucket}/datasets/d.csv`, `s3://${bucket}/specs/run-1/`)).toBe(`s3://${bucket}/datasets/d.csv`);
    expect(source.resolve('../../datasets/./d.csv', `s3://${bucket}/specs/run-1/`)).toBe(`s3://${bucket}/datasets/d.csv`);
    expect(source.resolve('local.csv', `s3://${bucket}/specs/run-1/`)).toBe(`s3://${bucket}/specs/run-1/local.csv`);
    expect(source.resolve('./local.csv', `s3://${bucket}/specs/run-1`)).toBe(`s3://${bucket}/specs/run-1/local.csv`);
    expect(await source.read(source.resolve('../../datasets/d.csv', `s3://${bucket}/specs/run-1/`))).toBe(csv);
    expect(await source.read(`s3://${bucket}/specs/run-1/local.csv`)).toBe(csv);
  });

  it('refuses another bucket, keys outside the allowed prefixes and .. escapes', () => {
    const base = `s3://${bucket}/specs/run-1/`;
    const locations = `\\(s3://${bucket}/datasets/, s3://${bucket}/specs/\\)`;
    const refused = (uri: string) => new RegExp(`^dataset\\.uri: ${uri.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} resolves outside the locations datasets may be read from ${locations}`);
    for (const uri of [
      's3://other-bucket/datasets/d.csv',
      `s3://${bucket}/private/secret.csv`,
      `s3://${bucket}/datasets-private/d.csv`,
      `s3://${bucket}/datasets/../private/secret.csv`,
      '../../private/secret.csv',
      '../../../secret.csv',
    ]) {
      expect(() => source.resolve(uri, base)).toThrow(DatasetError);
      expect(() => source.resolve(uri, base)).toThrow(refused(uri));
    }
  });

  it('refuses local paths, other schemes and folders', () => {
    const base = `s3://${bucket}/specs/`;
    expect(() => source.resolve('/data/d.csv', base)).toThrow(/^dataset\.uri: \/data\/d\.csv is a local path/);
    expect(() => source.resolve('file:///data/d.csv', base)).toThrow(/is a local path/);
    expect(() => source.resolve('https://example.com/d.csv', base)).toThrow(/^dataset\.uri: .* uses an unsupported scheme/);
    expect(() => source.resolve(`s3://${bucket}/datasets/`, base)).toThrow(/names a folder/);
    expect(() => source.resolve('d.csv', '/local/folder')).toThrow(/^dataset\.uri: d\.csv is relative, but the spec's location/);
  });

  it('says which object is missing', async () => {
    await expect(source.read(`s3://${bucket}/datasets/nope.csv`)).rejects.toThrow(DatasetError);
    await expect(source.read(`s3://${bucket}/datasets/nope.csv`)).rejects.toThrow(new RegExp(`^dataset\\.uri: no object at s3://${bucket}/datasets/nope\\.csv$`));
  });

  it('checks the location again when reading', async () => {
    await expect(source.read(`s3://${bucket}/private/secret.csv`)).rejects.toThrow(/resolves outside the locations/);
    const body = await server.client.send(new GetObjectCommand({ Bucket: bucket, Key: 'private/secret.csv' }));
    expect(await body.Body?.transformToString()).toBe('no\n'); // the object exists; only the adapter refuses it
  });
});
