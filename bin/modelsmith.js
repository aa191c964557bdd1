#!/usr/bin/env node
// The modelsmith command: runs the compiled CLI (built by `npm run build`, which `npm ci` runs).
// The local store speaks DynamoDB's API to an embedded server; the SDK's notice about future
// Node versions is not actionable there.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { main } = await import('../dist/src/cli/main.js');
process.exitCode = await main(process.argv.slice(2), {
  out: (text) => process.stdout.write(text + '\n'),
  err: (text) => process.stderr.write(text + '\n'),
  interactive: Boolean(process.stderr.isTTY),
  env: process.env,
});
