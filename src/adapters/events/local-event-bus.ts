/**
 * The event port in process: events go to subscribers (the CLI's progress display) and
 * are appended, one JSON object per line, to a log file next to the local store.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { EventBus, SearchEvent } from '../../ports/event-bus.js';

export type EventListener = (event: SearchEvent) => void;

export class LocalEventBus implements EventBus {
  private readonly listeners = new Set<EventListener>();
  private writing: Promise<void> = Promise.resolve();

  /** `logPath`: the append-only log; omit to keep events in memory only. */
  constructor(private readonly logPath?: string) {}

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async publish(event: SearchEvent): Promise<void> {
    for (const listener of this.listeners) listener(event);
    const path = this.logPath;
    if (!path) return;
    // Serialize appends so lines never interleave.
    this.writing = this.writing.then(async () => {
      await mkdir(dirname(path), { recursive: true });
      await appendFile(path, JSON.stringify(event) + '\n');
    });
    await this.writing;
  }
}
