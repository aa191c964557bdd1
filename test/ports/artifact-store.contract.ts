/**
 * The artifact store contract: every adapter of the artifact port runs these tests.
 */
import { withAdapter, type Opened } from './contract.js';
import { describe, expect, it } from 'vitest';
import type { ArtifactStore } from '../../src/ports/artifact-store.js';

export function artifactStoreContract(name: string, open: () => Promise<Opened<ArtifactStore>>) {
  describe(`${name} artifact store contract`, () => {
    const withStore = withAdapter(open);

    it(
      'stores text and bytes by key and reads them back',
      withStore(async (store) => {
        await store.put('searches/a/spec.json', '{"x":1}', 'application/json');
        const bytes = new Uint8Array([0, 1, 2, 255]);
        await store.put('models/m/versions/1/weights.bin', bytes);
        expect(new TextDecoder().decode(await store.get('searches/a/spec.json'))).toBe('{"x":1}');
        expect(Array.from((await store.get('models/m/versions/1/weights.bin')) ?? [])).toEqual([0, 1, 2, 255]);
        expect(await store.get('searches/a/missing.json')).toBeUndefined();
      }),
    );

    it(
      'overwrites a key with its latest content',
      withStore(async (store) => {
        await store.put('k/one.txt', 'first');
        await store.put('k/one.txt', 'second');
        expect(new TextDecoder().decode(await store.get('k/one.txt'))).toBe('second');
      }),
    );

    it(
      'lists keys under a prefix, sorted',
      withStore(async (store) => {
        await store.put('p/x/b.txt', 'b');
        await store.put('p/x/a.txt', 'a');
        await store.put('p/x/sub/c.txt', 'c');
        await store.put('p/y/d.txt', 'd');
        expect(await store.list('p/x/')).toEqual(['p/x/a.txt', 'p/x/b.txt', 'p/x/sub/c.txt']);
        expect(await store.list('nothing/')).toEqual([]);
      }),
    );
  });
}
