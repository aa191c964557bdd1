/**
 * The registry commands of `modelsmith`: list models and versions, promote a version to a
 * stage, roll production back, export a version (TensorFlow.js, quantized or not, or ONNX)
 * and serve one over HTTP — all on the local store.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { LocalDatasetSource } from '../adapters/filesystem/dataset-source.js';
import { exportVersion, type ExportFormat } from '../app/export-version.js';
import { listModelSummaries, modelVersions, parseVersionRef, promoteVersion, rollbackModel, type StageChange } from '../app/registry.js';
import type { Services } from '../app/services.js';
import type { ModelStage } from '../ports/records.js';
import { initBackend } from '../runtime/backend.js';
import { openLocalStore } from '../runtime/local/store.js';
import { routeDeployments } from '../runtime/local/deployments.js';
import { startPredictionServer } from '../runtime/local/prediction-server.js';
import { assembleServices } from '../runtime/services.js';
import { EXIT, homeOf, positiveInt, type CommonOptions, type Io } from './common.js';
import { formatValue } from './format.js';

/** Run `work` with services on the local store, closing it afterwards. */
async function withLocalServices<T>(options: CommonOptions, io: Io, work: (services: Services) => Promise<T>): Promise<T> {
  const store = await openLocalStore(homeOf(options, io));
  try {
    const services = assembleServices({ metadata: store.metadata, artifacts: store.artifacts, events: store.events, datasets: new LocalDatasetSource([]), backend: 'cpu' });
    // Stage changes redeploy as the cloud's rule does.
    const deployments = routeDeployments(store.events, services);
    try {
      const result = await work(services);
      await deployments.drain();
      return result;
    } finally {
      deployments.stop();
    }
  } finally {
    await store.close();
  }
}

function describeChange(change: StageChange): string {
  const { production, staging } = change.model;
  const previous = change.previous === undefined ? '' : ` (was version ${change.previous})`;
  return `${change.name}: version ${change.version} is ${change.stage}${previous}; production ${production ?? '-'}, staging ${staging ?? '-'}`;
}

/** Run a stage change on the local store and report it. */
function changeStage(options: CommonOptions, io: Io, change: (services: Services) => Promise<StageChange>): Promise<number> {
  return withLocalServices(options, io, async (services) => {
    const done = await change(services);
    io.out(options.json ? JSON.stringify(done, null, 2) : describeChange(done));
    return EXIT.ok;
  });
}

function stageArgument(value: string): ModelStage {
  if (value === 'none' || value === 'staging' || value === 'production') return value;
  throw new InvalidArgumentError('expected none, staging or production');
}

export function addModelCommands(program: Command, io: Io, run: (action: () => Promise<number>) => void, common: { home: Option; json: Option }): void {
  const models = program.command('models').description('the model registry: versions, stages, rollback');

  models
    .command('list')
    .description('model names with their latest, staging and production versions')
    .addOption(common.home)
    .addOption(common.json)
    .action((options: CommonOptions) =>
      run(() =>
        withLocalServices(options, io, async (services) => {
          const all = await listModelSummaries(services);
          if (options.json) io.out(JSON.stringify(all, null, 2));
          else if (all.length === 0) io.out('no models yet; a search registers its best model as version 1');
          else for (const m of all) io.out(`${m.name}  latest ${m.latestVersion}  production ${m.production ?? '-'}  staging ${m.staging ?? '-'}`);
          return EXIT.ok;
        }),
      ),
    );

  models
    .command('versions')
    .description('every version of a model with its stage and metrics')
    .argument('<name>')
    .addOption(common.home)
    .addOption(common.json)
    .action((name: string, options: CommonOptions) =>
      run(() =>
        withLocalServices(options, io, async (services) => {
          const versions = await modelVersions(services, name);
          if (options.json) {
            io.out(JSON.stringify(versions, null, 2));
            return EXIT.ok;
          }
          for (const v of versions) {
            const metrics = Object.entries(v.testMetrics)
              .slice(0, 3)
              .map(([k, value]) => `${k} ${formatValue(value as number)}`)
              .join(', ');
            io.out(`${String(v.version).padStart(3)}  ${v.stage.padEnd(10)} ${v.family.padEnd(12)} test ${metrics || '-'}  search ${v.searchId}`);
          }
          return EXIT.ok;
        }),
      ),
    );

  models
    .command('promote')
    .description('move a version into a stage (production remembers what it served, for rollback)')
    .argument('<name>')
    .argument('<version>', 'version number', positiveInt)
    .addOption(new Option('--stage <stage>', 'none, staging or production').argParser(stageArgument).default('production'))
    .addOption(common.home)
    .addOption(common.json)
    .action((name: string, version: number, options: CommonOptions & { stage: ModelStage }) =>
      run(() =>
        changeStage(options, io, (services) => promoteVersion(services, { name, version, stage: options.stage })),
      ),
    );

  models
    .command('rollback')
    .description('return production to the version that served before the current one')
    .argument('<name>')
    .option('--to <version>', 'an earlier production version to return to', positiveInt)
    .addOption(common.home)
    .addOption(common.json)
    .action((name: string, options: CommonOptions & { to?: number }) =>
      run(() =>
        changeStage(options, io, (services) => rollbackModel(services, { name, ...(options.to === undefined ? {} : { to: options.to }) })),
      ),
    );

  program
    .command('export')
    .description('write a version as a TensorFlow.js or ONNX model with its preprocessing')
    .argument('<model>', 'name (the latest version), name@<version>, name@production or name@staging')
    .addOption(new Option('--format <format>', 'model format').choices(['tfjs', 'onnx']).default('tfjs'))
    .addOption(new Option('--quantize <dtype>', 'tfjs weights as float16 or uint8').choices(['float16', 'uint8']))
    .option('--out <dir>', 'folder to write (default: ./<name>-v<version>-<format>)')
    .addOption(common.home)
    .addOption(common.json)
    .action((model: string, options: CommonOptions & { format: ExportFormat; quantize?: 'float16' | 'uint8'; out?: string }) =>
      run(() =>
        withLocalServices(options, io, async (services) => {
          const { name, ref } = parseVersionRef(model, 'latest');
          await initBackend('auto');
          const exported = await exportVersion(services, { name, ref, format: options.format, ...(options.quantize ? { quantize: options.quantize } : {}) });
          const suffix = options.quantize ? `-${options.quantize}` : '';
          const out = resolve(options.out ?? `${name.replace(/[^\w.-]/g, '_')}-v${exported.version}-${options.format}${suffix}`);
          await mkdir(out, { recursive: true });
          const written = await Promise.all(
            Object.entries(exported.files).map(async ([file, body]) => {
              await writeFile(join(out, file), body);
              return { file: join(out, file), bytes: typeof body === 'string' ? Buffer.byteLength(body) : body.length };
            }),
          );
          if (options.json) io.out(JSON.stringify({ name, version: exported.version, format: options.format, files: written }, null, 2));
          else io.out(`exported ${name} version ${exported.version} as ${options.format}${suffix} to ${out}: ${written.map((w) => `${basename(w.file)} (${w.bytes} bytes)`).join(', ')}`);
          return EXIT.ok;
        }),
      ),
    );

  program
    .command('serve')
    .description('answer predictions over HTTP: POST /models/<name>/predict {"instances": [...]}')
    .argument('<model>', 'name (serves production as it changes), name@<version> or name@staging')
    .option('--port <port>', 'port to listen on (0 picks a free one)', (v) => Number(v), 8080)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .addOption(common.home)
    .action((model: string, options: CommonOptions & { port: number; host: string }) =>
      run(async () => {
        const { name, ref } = parseVersionRef(model);
        await initBackend('auto');
        const store = await openLocalStore(homeOf(options, io));
        try {
          const services = assembleServices({ metadata: store.metadata, artifacts: store.artifacts, events: store.events, datasets: new LocalDatasetSource([]), backend: 'cpu' });
          const server = await startPredictionServer({ services, name, ref, port: options.port, host: options.host, log: io.err });
          io.out(`serving ${name}${typeof ref === 'number' ? ` version ${ref}` : ` (${ref})`} at ${server.url}/models/${encodeURIComponent(name)}/predict`);
          await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
          await server.close();
          return EXIT.ok;
        } finally {
          await store.close();
        }
      }),
    );
}
