/**
 * The dataset port on the local filesystem. A spec's dataset path is resolved against the
 * spec's folder and must stay inside the allowed roots (the spec's folder, the working
 * directory and any folder the user adds); symbolic links are followed before checking.
 */
import { readFile, realpath } from 'node:fs/promises';
import { realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DatasetError } from '../../core/errors.js';
import type { DatasetSource } from '../../ports/dataset-source.js';

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

function real(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

export class LocalDatasetSource implements DatasetSource {
  private readonly roots: string[];

  /** `roots`: folders datasets may be read from (each resolved through symbolic links). */
  constructor(roots: readonly string[]) {
    this.roots = roots.map((r) => real(resolve(r)));
  }

  resolve(uri: string, base: string): string {
    if (/^s3:\/\//i.test(uri)) {
      throw new DatasetError(`dataset.uri: ${uri} is an S3 location; local searches read files (deploy to AWS to read from S3)`);
    }
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri) && !uri.startsWith('file://')) {
      throw new DatasetError(`dataset.uri: ${uri} uses an unsupported scheme; give a file path`);
    }
    const basePath = base.startsWith('file://') ? fileURLToPath(base) : base;
    const path = uri.startsWith('file://') ? fileURLToPath(uri) : resolve(basePath, uri);
    const target = real(path);
    if (!this.roots.some((root) => inside(root, target))) {
      throw new DatasetError(
        `dataset.uri: ${uri} resolves outside the folders datasets may be read from (${this.roots.join(', ')}); move the file there or allow its folder with --data-root`,
        { context: { uri, path: target } },
      );
    }
    return pathToFileURL(target).href;
  }

  async read(uri: string): Promise<string> {
    const path = fileURLToPath(uri);
    const target = await realpath(path).catch(() => path);
    if (!this.roots.some((root) => inside(root, target))) {
      throw new DatasetError(`dataset.uri: ${path} is outside the folders datasets may be read from`);
    }
    try {
      return await readFile(target, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new DatasetError(`dataset.uri: no file at ${path}`, { cause: error });
      if (code === 'EISDIR') throw new DatasetError(`dataset.uri: ${path} is a folder, not a file`, { cause: error });
      throw new DatasetError(`dataset.uri: cannot read ${path}: ${(error as Error).message}`, { cause: error });
    }
  }
}
