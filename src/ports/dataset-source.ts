/**
 * The dataset port: reading a dataset's bytes by URI. Locally the URI is a path checked
 * against the allowed roots; in the cloud an S3 URI.
 */

export interface DatasetSource {
  /** Resolve a spec's dataset URI (relative to `base`) to a canonical URI, or throw DatasetError. */
  resolve(uri: string, base: string): string;
  /** Read a resolved URI. */
  read(uri: string): Promise<string>;
}
