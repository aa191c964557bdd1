/**
 * Run generated TypeScript scripts one after another in this one process (starting tsx
 * and loading tfjs takes seconds): each job imports a script as if it were the program,
 * with its own command-line arguments, and writes what it logged to a file.
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

interface Job {
  readonly folder: string;
  readonly script: string;
  readonly args: readonly string[];
  readonly stdout: string;
}

const jobs = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as Job[];
const log = console.log;
for (const job of jobs) {
  const script = join(job.folder, job.script);
  writeFileSync(job.stdout, '');
  console.log = (...values: unknown[]) => appendFileSync(job.stdout, `${values.map(String).join(' ')}\n`);
  process.argv = [process.argv[0] ?? 'node', script, ...job.args];
  try {
    await import(pathToFileURL(script).href);
  } finally {
    console.log = log;
  }
}
