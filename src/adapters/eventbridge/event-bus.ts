/**
 * The event port on an Amazon EventBridge bus: each search event becomes one PutEvents
 * entry (detail-type = the event's type, detail = the search id and the event's detail),
 * and {@link fromEventBridge} turns a delivered event back into a search event.
 */
import { PutEventsCommand, type EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { EventBus, SearchEvent, SearchEventType } from '../../ports/event-bus.js';

/** Every event type, checked against the port's union so a new type cannot be forgotten. */
const EVENT_TYPES: Record<SearchEventType, true> = {
  SearchStarted: true,
  TrialStarted: true,
  TrialCompleted: true,
  TrialFailed: true,
  TrialInfeasible: true,
  TrialPruned: true,
  SearchSucceeded: true,
  SearchFailed: true,
  ModelVersionRegistered: true,
  ModelStageChanged: true,
};

function isEventType(value: string): value is SearchEventType {
  return Object.hasOwn(EVENT_TYPES, value);
}

/** EventBridge refused an entry: `code` and the message are EventBridge's own. */
export class EventPublishError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'EventPublishError';
  }
}

/** The PutEvents entry of a search event (pure). */
export function toEntry(event: SearchEvent, busName: string, source: string): PutEventsRequestEntry {
  const time = new Date(event.time);
  if (Number.isNaN(time.getTime())) throw new RangeError(`event time ${JSON.stringify(event.time)} is not a date`);
  return {
    Source: source,
    DetailType: event.type,
    Time: time,
    EventBusName: busName,
    Detail: JSON.stringify({ searchId: event.searchId, ...event.detail }),
  };
}

/**
 * The search event an EventBridge event carries: its `detail-type`, its `detail` (the
 * parsed object a handler receives, or the JSON string), and its `time`. EventBridge
 * keeps event times to the second, so the time may be coarser than the one published.
 * Throws a TypeError when the detail type is unknown or the detail has no search id.
 */
export function fromEventBridge(detailType: string, detail: unknown, time: string): SearchEvent {
  if (!isEventType(detailType)) throw new TypeError(`unknown search event type ${JSON.stringify(detailType)}`);
  const parsed: unknown = typeof detail === 'string' ? JSON.parse(detail) : detail;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new TypeError(`${detailType} event detail is not an object`);
  }
  const { searchId, ...rest } = parsed as Record<string, unknown>;
  if (typeof searchId !== 'string') throw new TypeError(`${detailType} event detail has no searchId`);
  return { type: detailType, searchId, time, detail: rest } as SearchEvent;
}

/** Search events published to one EventBridge bus. */
export class EventBridgeEventBus implements EventBus {
  /** `client`: an EventBridge client; `busName`: the bus; `source`: the events' `source` field. */
  constructor(
    private readonly client: EventBridgeClient,
    readonly busName: string,
    readonly source = 'modelsmith',
  ) {}

  async publish(event: SearchEvent): Promise<void> {
    const response = await this.client.send(new PutEventsCommand({ Entries: [toEntry(event, this.busName, this.source)] }));
    const failed = response.Entries?.find((entry) => Boolean(entry.ErrorCode || entry.ErrorMessage));
    if ((response.FailedEntryCount ?? 0) > 0 || failed) {
      const code = failed?.ErrorCode;
      const reason = [code ?? 'unknown error', failed?.ErrorMessage].filter(Boolean).join(': ');
      throw new EventPublishError(
        `EventBridge bus ${this.busName} refused the ${event.type} event of search ${event.searchId}: ${reason}`,
        code,
      );
    }
  }
}
