/**
 * `modelsmith serve`: an HTTP server answering predictions from the local registry, the
 * same requests and answers as the cloud endpoint. Unpinned, it serves whichever version
 * holds production at each request, so a promotion or rollback changes the answers at once.
 *
 *   GET  /models/{name}           the served version and its input schema
 *   POST /models/{name}/predict   { "instances": [...] } -> { version, stage, predictions }
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InputError, NotFoundError } from '../../core/errors.js';
import { ModelCache, predict } from '../../app/predict.js';
import { resolveVersion, type VersionRef } from '../../app/registry.js';
import type { Services } from '../../app/services.js';
import { httpErrorOf, INTERNAL_ERROR } from '../http-errors.js';

export interface PredictionServerOptions {
  readonly services: Services;
  /** The model served; requests for other names get 404. */
  readonly name: string;
  /** A version number pins the server; a stage follows it. Default production. */
  readonly ref?: VersionRef;
  readonly port?: number;
  readonly host?: string;
  /** Largest request body accepted. */
  readonly maxBodyBytes?: number;
  readonly log?: (line: string) => void;
}

export interface PredictionServer {
  readonly url: string;
  close(): Promise<void>;
}

async function readBody(request: IncomingMessage, limit: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new InputError(`the request body is larger than ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) throw new InputError('the request needs a JSON body: { "instances": [...] }');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InputError(`the body is not valid JSON: ${(error as Error).message}`);
  }
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

export async function startPredictionServer(options: PredictionServerOptions): Promise<PredictionServer> {
  const { services, name } = options;
  const ref = options.ref ?? 'production';
  const cache = new ModelCache();
  const limit = options.maxBodyBytes ?? 5 * 1024 * 1024;

  async function handle(request: IncomingMessage): Promise<{ status: number; body: unknown }> {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const match = /^\/models\/([^/]+)(\/predict)?\/?$/.exec(path);
    if (!match) throw new NotFoundError(`no route ${request.method} ${path}; try POST /models/${name}/predict`);
    if (decodeURIComponent(match[1] as string) !== name) throw new NotFoundError(`this server serves model ${name}`);
    if (!match[2]) {
      if (request.method !== 'GET') throw new NotFoundError(`use GET /models/${name} or POST /models/${name}/predict`);
      const version = await resolveVersion(services, name, ref);
      const loaded = await cache.get(services, name, version.version, version.artifactPrefix);
      return { status: 200, body: { name, version: version.version, stage: version.stage, metrics: version.metrics, input: loaded.input } };
    }
    if (request.method !== 'POST') throw new NotFoundError(`predictions are POST /models/${name}/predict`);
    const body = await readBody(request, limit);
    if (typeof body !== 'object' || body === null || !('instances' in body)) throw new InputError('body.instances: required, an array of instances');
    return { status: 200, body: await predict(services, cache, { name, ref, instances: body.instances }) };
  }

  const server = createServer((request, response) => {
    handle(request).then(
      ({ status, body }) => send(response, status, body),
      (error: unknown) => {
        const known = httpErrorOf(error);
        if (known) return send(response, known.status, known.body);
        options.log?.(`unexpected error: ${(error as Error).stack ?? String(error)}`);
        send(response, 500, INTERNAL_ERROR);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, options.host ?? '127.0.0.1', () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address.includes(':') ? `[${address}]` : address}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        cache.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
