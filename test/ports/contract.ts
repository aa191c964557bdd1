/**
 * Shared plumbing for port contract suites: each test opens a fresh adapter and closes it.
 */

/** An adapter under test and how to release it. */
export type Opened<T> = { store: T; close: () => Promise<void> };

/** Wrap a test body so it runs against a freshly opened adapter. */
export function withAdapter<T>(open: () => Promise<Opened<T>>) {
  return (body: (store: T) => Promise<void>) => async () => {
    const { store, close } = await open();
    try {
      await body(store);
    } finally {
      await close();
    }
  };
}
