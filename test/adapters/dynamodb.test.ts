import { afterAll, beforeAll } from 'vitest';
import { openLocalStore, type LocalStore } from '../../src/runtime/local/store.js';
import { tempDir } from '../helpers.js';
import { metadataStoreContract } from '../ports/metadata-store.contract.js';

// The DynamoDB adapter against dynalite on disk: the same API the cloud table answers.
let home: Awaited<ReturnType<typeof tempDir>>;
let store: LocalStore;
beforeAll(async () => {
  home = await tempDir();
  store = await openLocalStore(home.path);
});
afterAll(async () => {
  await store.close();
  await home.cleanup();
});

metadataStoreContract('DynamoDB (dynalite)', async () => ({ store: store.metadata, close: async () => {} }));
