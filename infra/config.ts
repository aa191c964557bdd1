/**
 * Deployment settings the stack reads: the trainers' sizes from config/cloud.json (the
 * same file cost estimates use), and paths of the code the stack packages.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import cloud from '../config/cloud.json' with { type: 'json' };

/** The project's root folder. */
export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export const CLOUD = cloud;

/** A path inside the project. */
export function projectPath(...parts: string[]): string {
  return join(PROJECT_ROOT, ...parts);
}
