/**
 * The CDK app (`npx cdk synth`, `npx cdk deploy`): one environment-agnostic modelsmith
 * stack, checked by cdk-nag's AWS Solutions rules — a finding that is not acknowledged
 * with a reason fails the synthesis.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { projectPath } from './config.js';
import { ModelsmithStack } from './stack.js';

/** Build the app and its stack; tests synthesize it the same way `cdk synth` does. */
export function buildApp(options: { outdir?: string; bundle?: boolean } = {}): { app: App; stack: ModelsmithStack } {
  // The same feature flags whether the CLI runs the app (it passes cdk.json's context) or a test does.
  const { context } = JSON.parse(readFileSync(projectPath('cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  // Tests that only read the template can skip bundling the functions (the CLI always bundles).
  const bundling = options.bundle === false ? { 'aws:cdk:bundling-stacks': [] } : {};
  const app = new App({ context: { ...context, ...bundling }, ...(options.outdir ? { outdir: options.outdir } : {}) });
  const stack = new ModelsmithStack(app, 'Modelsmith');
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, stack };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  buildApp().app.synth();
}
