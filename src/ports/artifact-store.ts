/**
 * The artifact port: models, logs and summaries stored by key in the S3 bucket's layout
 * (see {@link artifactKeys}). Adapters: a directory on disk locally, S3 in the cloud.
 */

export interface StoredArtifact {
  readonly key: string;
  /** The store's version id for this write (S3 versioning); null when unversioned. */
  readonly versionId: string | null;
}

export interface ArtifactStore {
  put(key: string, body: Uint8Array | string, contentType?: string): Promise<StoredArtifact>;
  /** The object's bytes, or undefined when there is none. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Keys under a prefix, sorted. */
  list(prefix: string): Promise<string[]>;
}

/** The one definition of where things live in the bucket. */
export const artifactKeys = {
  spec: (searchId: string) => `searches/${searchId}/spec.json`,
  summary: (searchId: string) => `searches/${searchId}/summary.json`,
  trialLog: (searchId: string, trial: number) => `searches/${searchId}/trials/${String(trial).padStart(4, '0')}/log.jsonl`,
  /** A fold's trained weights, kept so a multi-fidelity promotion continues from them. */
  checkpoint: (searchId: string, trial: number, fold: number) => `searches/${searchId}/trials/${String(trial).padStart(4, '0')}/fold-${fold}`,
  finalModel: (searchId: string) => `searches/${searchId}/final/`,
  modelVersion: (name: string, version: number) => `models/${name}/versions/${version}/`,
  /** A version's edge bundle: tfjs files at three precisions, ONNX, preprocessing, manifest. */
  deployment: (name: string, version: number) => `deployments/${name}/${version}/`,
} as const;
