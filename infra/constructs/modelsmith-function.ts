/**
 * A modelsmith Lambda function with the project's defaults: Node.js 22 on ARM, an ESM
 * bundle built by the local esbuild, X-Ray tracing, a log group kept one month, and the
 * store's names in its environment. Trainer functions also carry the WebAssembly files of
 * the training backend next to their bundle.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { projectPath, PROJECT_ROOT } from '../config.js';
import type { Storage } from './storage.js';

/** Lets bundled CommonJS dependencies keep using `require`, `__filename` and `__dirname` in ESM. */
const ESM_BANNER = [
  "import { createRequire as __createRequire } from 'node:module';",
  "import { fileURLToPath as __fileURLToPath } from 'node:url';",
  "import { dirname as __pathDirname } from 'node:path';",
  'const require = __createRequire(import.meta.url);',
  'const __filename = __fileURLToPath(import.meta.url);',
  'const __dirname = __pathDirname(__filename);',
].join(' ');

export interface ModelsmithFunctionProps {
  /** The handler file, relative to functions/. */
  readonly entry: string;
  readonly description: string;
  readonly storage: Storage;
  readonly memorySize?: number;
  readonly timeout?: Duration;
  /** Trains models: bundle the wasm backend's binaries too. */
  readonly trainer?: boolean;
  readonly environment?: Record<string, string>;
}

export class ModelsmithFunction extends NodejsFunction {
  /** The handler file, relative to functions/ (tests bind workflow states to it). */
  readonly entryFile: string;

  constructor(scope: Construct, id: string, props: ModelsmithFunctionProps) {
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    super(scope, id, {
      entry: projectPath('functions', props.entry),
      handler: 'handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(60),
      tracing: lambda.Tracing.ACTIVE,
      logGroup,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: projectPath('package-lock.json'),
      environment: {
        MODELSMITH_TABLE: props.storage.table.tableName,
        MODELSMITH_BUCKET: props.storage.bucket.bucketName,
        MODELSMITH_EVENT_BUS: props.storage.bus.eventBusName,
        POWERTOOLS_SERVICE_NAME: 'modelsmith',
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        mainFields: ['module', 'main'],
        minify: true,
        sourceMap: true,
        banner: ESM_BANNER,
        // Our pinned SDK goes into the bundle rather than trusting the runtime's copy.
        externalModules: [],
        ...(props.trainer
          ? {
              commandHooks: {
                beforeBundling: () => [],
                beforeInstall: () => [],
                afterBundling: (inputDir: string, outputDir: string) => [
                  `cp "${inputDir}/node_modules/@tensorflow/tfjs-backend-wasm/dist/"*.wasm "${outputDir}/"`,
                ],
              },
            }
          : {}),
      },
    });
    this.entryFile = props.entry;
  }
}
