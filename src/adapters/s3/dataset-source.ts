/**
 * The dataset port on S3. A spec's dataset URI is either `s3://bucket/key` or a key
 * relative to the spec's folder (`s3://bucket/prefix/`); after `.` and `..` segments are
 * resolved, the object must lie in the configured bucket under one of the allowed
 * prefixes (for example `datasets/` and `specs/`).
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DatasetError } from '../../core/errors.js';
import type { DatasetSource } from '../../ports/dataset-source.js';

/** Split an `s3://bucket/key` URI (scheme in any case); undefined when it is not one. */
export function parseS3Uri(uri: string): { bucket: string; key: string } | undefined {
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/is.exec(uri);
  if (!match?.[1]) return undefined;
  return { bucket: match[1], key: match[2] ?? '' };
}

/**
 * Resolve `.` and `..` segments of a key; undefined when `..` climbs above the bucket's
 * root. Empty segments are kept (S3 keys may contain `//`); a key ending in `.` or `..`
 * names a folder and so ends with `/`.
 */
function normalizeKey(key: string): string | undefined {
  const parts: string[] = [];
  const segments = key.split('/');
  for (const [index, segment] of segments.entries()) {
    const last = index === segments.length - 1;
    if (segment === '..') {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else if (segment !== '.') {
      parts.push(segment);
      continue;
    }
    if (last) parts.push('');
  }
  return parts.join('/');
}

function isNoSuchKey(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'NoSuchKey';
}

/** Datasets read from objects in one bucket, under allowed prefixes only. */
export class S3DatasetSource implements DatasetSource {
  /** The allowed prefixes, each `''` (the whole bucket) or ending with `/`. */
  readonly allowedPrefixes: readonly string[];

  /**
   * `client`: an S3 client; `bucket`: the only bucket datasets may come from;
   * `allowedPrefixes`: folders in it datasets may be read from, e.g. `['datasets/', 'specs/']`.
   */
  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
    allowedPrefixes: readonly string[],
  ) {
    this.allowedPrefixes = allowedPrefixes.map((prefix) => {
      const trimmed = prefix.replace(/^\/+/, '');
      const folder = trimmed === '' || trimmed.endsWith('/') ? trimmed : `${trimmed}/`;
      if (normalizeKey(folder) !== folder) throw new RangeError(`invalid dataset prefix ${JSON.stringify(prefix)}`);
      return folder;
    });
  }

  /** The allowed locations as URIs, for messages. */
  private locations(): string {
    return this.allowedPrefixes.map((prefix) => `s3://${this.bucket}/${prefix}`).join(', ');
  }

  private outside(uri: string, context: Record<string, unknown>): DatasetError {
    return new DatasetError(
      `dataset.uri: ${uri} resolves outside the locations datasets may be read from (${this.locations()}); upload or copy the object under one of them`,
      { context: { uri, ...context } },
    );
  }

  resolve(uri: string, base: string): string {
    const { bucket, key } = this.locate(uri, base);
    return `s3://${bucket}/${key}`;
  }

  /** The bucket and normalized key `uri` names, checked against the allowed locations. */
  private locate(uri: string, base: string): { bucket: string; key: string } {
    let bucket: string;
    let key: string;
    const absolute = parseS3Uri(uri);
    if (absolute) {
      ({ bucket, key } = absolute);
    } else if (/^file:\/\//i.test(uri) || uri.startsWith('/')) {
      throw new DatasetError(
        `dataset.uri: ${uri} is a local path; searches in the cloud read from S3 (upload the file under ${this.locations()} and give its s3:// URI or a key relative to the spec)`,
        { context: { uri } },
      );
    } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) {
      throw new DatasetError(`dataset.uri: ${uri} uses an unsupported scheme; give an s3:// URI or a key relative to the spec`, {
        context: { uri },
      });
    } else {
      const folder = parseS3Uri(base);
      if (!folder) {
        throw new DatasetError(`dataset.uri: ${uri} is relative, but the spec's location ${base} is not an s3:// URI`, {
          context: { uri, base },
        });
      }
      bucket = folder.bucket;
      const prefix = folder.key === '' || folder.key.endsWith('/') ? folder.key : `${folder.key}/`;
      key = prefix + uri;
    }
    const normalized = normalizeKey(key);
    if (normalized === undefined) throw this.outside(uri, { bucket, key });
    if (bucket !== this.bucket || !this.allowedPrefixes.some((prefix) => normalized.startsWith(prefix))) {
      throw this.outside(uri, { bucket, key: normalized });
    }
    if (normalized === '' || normalized.endsWith('/')) {
      throw new DatasetError(`dataset.uri: ${uri} names a folder (s3://${bucket}/${normalized}), not an object`, {
        context: { uri, bucket, key: normalized },
      });
    }
    return { bucket, key: normalized };
  }

  async read(uri: string): Promise<string> {
    if (!parseS3Uri(uri)) throw new DatasetError(`dataset.uri: ${uri} is not an s3:// URI`, { context: { uri } });
    // Check again: a resolved URI is canonical, so this only refuses URIs that bypassed resolve.
    const { bucket, key } = this.locate(uri, `s3://${this.bucket}/`);
    const canonical = `s3://${bucket}/${key}`;
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return (await response.Body?.transformToString('utf-8')) ?? '';
    } catch (error) {
      if (isNoSuchKey(error)) throw new DatasetError(`dataset.uri: no object at ${canonical}`, { cause: error });
      throw new DatasetError(`dataset.uri: cannot read ${canonical}: ${(error as Error).message}`, { cause: error });
    }
  }
}
