/**
 * The EventBridge event bus. EventBridge has no local server, so this is the one place a
 * stand-in is used: a tiny HTTP server in the test that speaks the PutEvents JSON protocol
 * (records each request, answers success or, on demand, a failed entry). The client is a
 * real EventBridgeClient pointed at it, so signing, serialization and parsing are the SDK's.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EventBridgeEventBus, EventPublishError, fromEventBridge, toEntry } from '../../src/adapters/eventbridge/event-bus.js';
import type { SearchEvent } from '../../src/ports/event-bus.js';

interface Recorded {
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: { Entries: Array<Record<string, unknown>> };
}

let server: Server;
let client: EventBridgeClient;
let requests: Recorded[] = [];
let failNext: { ErrorCode: string; ErrorMessage: string } | undefined;

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const target = request.headers['x-amz-target'];
      if (request.method !== 'POST' || target !== 'AWSEvents.PutEvents') {
        response.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
        response.end(JSON.stringify({ __type: 'UnknownOperationException', message: `unexpected ${String(target)}` }));
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Recorded['body'];
      requests.push({ headers: request.headers, body });
      const failure = failNext;
      failNext = undefined;
      const answer = failure
        ? { FailedEntryCount: body.Entries.length, Entries: body.Entries.map(() => failure) }
        : { FailedEntryCount: 0, Entries: body.Entries.map((_, i) => ({ EventId: `event-${requests.length}-${i}` })) };
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      response.end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  client = new EventBridgeClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'LOCAL', secretAccessKey: 'LOCAL' },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  client?.destroy();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

beforeEach(() => {
  requests = [];
  failNext = undefined;
});

const completed: SearchEvent = {
  type: 'TrialCompleted',
  searchId: 's-123',
  time: '2025-03-04T05:06:07.000Z',
  detail: { trial: 7, value: 0.93, metrics: { accuracy: 0.93 }, durationMs: 1234 },
};

describe('EventBridge event bus', () => {
  it('maps a search event to one PutEvents entry (pure)', () => {
    expect(toEntry(completed, 'bus-1', 'modelsmith')).toEqual({
      Source: 'modelsmith',
      DetailType: 'TrialCompleted',
      Time: new Date('2025-03-04T05:06:07.000Z'),
      EventBusName: 'bus-1',
      Detail: JSON.stringify({ searchId: 's-123', trial: 7, value: 0.93, metrics: { accuracy: 0.93 }, durationMs: 1234 }),
    });
    expect(() => toEntry({ ...completed, time: 'yesterday' }, 'bus-1', 'modelsmith')).toThrow(/not a date/);
  });

  it('publishes each event as one PutEvents entry with the expected fields', async () => {
    const bus = new EventBridgeEventBus(client, 'modelsmith-bus');
    await bus.publish(completed);
    await bus.publish({ type: 'SearchFailed', searchId: 's-123', time: '2025-03-04T05:07:00.000Z', detail: { error: { name: 'SearchError', message: 'boom' } } });

    expect(requests).toHaveLength(2);
    const [first, second] = requests;
    expect(first?.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(first?.body.Entries).toHaveLength(1);
    const entry = first?.body.Entries[0];
    expect(entry).toMatchObject({ Source: 'modelsmith', DetailType: 'TrialCompleted', EventBusName: 'modelsmith-bus' });
    // The JSON protocol carries timestamps as epoch seconds.
    expect(entry?.['Time']).toBe(Date.parse(completed.time) / 1000);
    expect(JSON.parse(String(entry?.['Detail']))).toEqual({ searchId: 's-123', ...completed.detail });
    expect(second?.body.Entries[0]).toMatchObject({ DetailType: 'SearchFailed', Source: 'modelsmith' });
  });

  it('uses the configured source', async () => {
    await new EventBridgeEventBus(client, 'bus', 'acme.models').publish(completed);
    expect(requests[0]?.body.Entries[0]?.['Source']).toBe('acme.models');
  });

  it('round-trips through fromEventBridge', async () => {
    await new EventBridgeEventBus(client, 'bus').publish(completed);
    const entry = requests[0]?.body.Entries[0];
    // A handler receives `detail-type`, the parsed `detail` and `time`; the raw JSON string works too.
    const detailType = String(entry?.['DetailType']);
    const detail = String(entry?.['Detail']);
    expect(fromEventBridge(detailType, JSON.parse(detail), completed.time)).toEqual(completed);
    expect(fromEventBridge(detailType, detail, completed.time)).toEqual(completed);
    expect(() => fromEventBridge('Nope', JSON.parse(detail), completed.time)).toThrow(/unknown search event type "Nope"/);
    expect(() => fromEventBridge('TrialCompleted', { trial: 1 }, completed.time)).toThrow(/no searchId/);
  });

  it('throws a clear error when EventBridge refuses the entry', async () => {
    const bus = new EventBridgeEventBus(client, 'modelsmith-bus');
    failNext = { ErrorCode: 'InternalFailure', ErrorMessage: 'Try again later' };
    const published = bus.publish(completed);
    await expect(published).rejects.toBeInstanceOf(EventPublishError);
    await expect(published).rejects.toThrow(
      'EventBridge bus modelsmith-bus refused the TrialCompleted event of search s-123: InternalFailure: Try again later',
    );
    await expect(published).rejects.toMatchObject({ name: 'EventPublishError', code: 'InternalFailure' });
    expect(requests).toHaveLength(1);
  });
});
