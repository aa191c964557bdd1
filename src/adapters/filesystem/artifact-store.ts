/**
 * The artifact port on a local directory: each key is a file path under the root, the
 * same layout as the S3 bucket. Writes go through a temporary file and a rename, so a
 * killed process never leaves half a model behind.
 */
import { mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { ArtifactStore, StoredArtifact } from '../../ports/artifact-store.js';

export class FileArtifactStore implements ArtifactStore {
  constructor(readonly root: string) {}

  /** The file path of a key; rejects keys that would leave the root. */
  pathOf(key: string): string {
    if (key === '' || key.startsWith('/') || key.split('/').some((part) => part === '..' || part === '.')) {
      throw new RangeError(`invalid artifact key ${JSON.stringify(key)}`);
    }
    return join(this.root, ...key.split('/'));
  }

  async put(key: string, body: Uint8Array | string): Promise<StoredArtifact> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    const temporary = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.partial`;
    await writeFile(temporary, body);
    await rename(temporary, path);
    return { key, versionId: null };
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      return new Uint8Array(await readFile(this.pathOf(key)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const directory = prefix.endsWith('/') ? prefix.slice(0, -1) : dirname(prefix);
    const start = directory === '.' || directory === '' ? this.root : this.pathOf(directory);
    let entries: string[];
    try {
      entries = (await readdir(start, { recursive: true, withFileTypes: true }))
        .filter((e) => e.isFile() && !e.name.endsWith('.partial'))
        .map((e) => relative(this.root, join(e.parentPath, e.name)).split(sep).join('/'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return entries.filter((k) => k.startsWith(prefix)).sort();
  }
}
