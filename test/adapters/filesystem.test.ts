import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileArtifactStore } from '../../src/adapters/filesystem/artifact-store.js';
import { LocalDatasetSource } from '../../src/adapters/filesystem/dataset-source.js';
import { DatasetError } from '../../src/core/errors.js';
import { tempDir } from '../helpers.js';
import { artifactStoreContract } from '../ports/artifact-store.contract.js';

artifactStoreContract('filesystem', async () => {
  const dir = await tempDir();
  return { store: new FileArtifactStore(dir.path), close: dir.cleanup };
});

describe('filesystem artifact store', () => {
  it('refuses keys that would leave its root', () => {
    const store = new FileArtifactStore('/tmp/root');
    expect(() => store.pathOf('../etc/passwd')).toThrow(/invalid artifact key/);
    expect(() => store.pathOf('/abs')).toThrow(/invalid artifact key/);
    expect(store.pathOf('models/m/versions/1/model.json')).toBe('/tmp/root/models/m/versions/1/model.json');
  });
});

describe('local dataset source', () => {
  it('resolves paths against the spec folder and reads them', async () => {
    const dir = await tempDir();
    try {
      await mkdir(join(dir.path, 'specs', 'data'), { recursive: true });
      await writeFile(join(dir.path, 'specs', 'data', 'd.csv'), 'a,b\n1,2\n');
      const source = new LocalDatasetSource([join(dir.path, 'specs')]);
      const uri = source.resolve('./data/d.csv', join(dir.path, 'specs'));
      expect(uri.startsWith('file://')).toBe(true);
      expect(await source.read(uri)).toBe('a,b\n1,2\n');
    } finally {
      await dir.cleanup();
    }
  });

  it('refuses a path outside the allowed folders, including through a symbolic link', async () => {
    const dir = await tempDir();
    try {
      await mkdir(join(dir.path, 'specs'), { recursive: true });
      await writeFile(join(dir.path, 'secret.csv'), 'a\n1\n');
      await symlink(join(dir.path, 'secret.csv'), join(dir.path, 'specs', 'link.csv'));
      const source = new LocalDatasetSource([join(dir.path, 'specs')]);
      expect(() => source.resolve('../secret.csv', join(dir.path, 'specs'))).toThrow(DatasetError);
      expect(() => source.resolve('../secret.csv', join(dir.path, 'specs'))).toThrow(/^dataset\.uri: \.\.\/secret\.csv resolves outside the folders datasets may be read from/);
      expect(() => source.resolve('link.csv', join(dir.path, 'specs'))).toThrow(/outside the folders/);
      expect(() => source.resolve('/etc/passwd', join(dir.path, 'specs'))).toThrow(/outside the folders/);
      expect(() => source.resolve('s3://bucket/key.csv', join(dir.path, 'specs'))).toThrow(/S3 location/);
    } finally {
      await dir.cleanup();
    }
  });

  it('says which file is missing', async () => {
    const dir = await tempDir();
    try {
      const source = new LocalDatasetSource([dir.path]);
      const uri = source.resolve('nope.csv', dir.path);
      await expect(source.read(uri)).rejects.toThrow(/^dataset\.uri: no file at .*nope\.csv$/);
    } finally {
      await dir.cleanup();
    }
  });
});
