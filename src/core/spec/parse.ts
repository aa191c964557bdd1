/**
 * Parsing search specs from YAML or JSON text into a validated {@link SearchSpec}, with
 * errors that name the path of each bad field and what was expected there.
 */
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { SpecError, type SpecIssue } from '../errors.js';
import { SearchSpecSchema, type SearchSpec } from './schema.js';

/** Parse spec text (YAML is a superset of JSON, so both work). `source` names it in errors. */
export function parseSpecText(text: string, source?: string): SearchSpec {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new SpecError(
      doc.errors.map((e) => ({ path: '', message: `not valid YAML/JSON: ${(e.message.split('\n')[0] ?? '').replace(/:$/, '')}` })),
      source,
    );
  }
  return parseSpec(doc.toJS(), source);
}

/** Validate an already-parsed value as a spec. */
export function parseSpec(value: unknown, source?: string): SearchSpec {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new SpecError([{ path: '', message: 'expected a mapping with name, task, dataset, space and budget' }], source);
  }
  const result = SearchSpecSchema.safeParse(value);
  if (result.success) return result.data as SearchSpec;
  throw new SpecError(describeIssues(result.error.issues, value), source);
}

type Issue = z.core.$ZodIssue;

/** Turn zod issues into path + message pairs a person can act on. */
export function describeIssues(issues: readonly Issue[], input: unknown, prefix: PropertyKey[] = []): SpecIssue[] {
  const out: SpecIssue[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'invalid_union') {
      // Report the branch that matches the value's shape, when exactly one does.
      // The branch whose complaints reach deepest into the value is the one the user meant.
      const depth = (branch: readonly Issue[]) => Math.max(...branch.map((b) => b.path.length));
      const deepest = Math.max(...issue.errors.map(depth));
      const matching = issue.errors.filter((branch) => depth(branch) === deepest);
      if (deepest > 0 && matching.length === 1) {
        out.push(...describeIssues(matching[0] as Issue[], input, path));
        continue;
      }
    }
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        out.push({ path: formatPath([...path, key]), message: `unknown field${suggest(key, path, input)}` });
      }
      continue;
    }
    out.push({ path: formatPath(path), message: messageFor(issue, valueAt(input, path)) });
  }
  return dedupe(out);
}

function messageFor(issue: Issue, value: unknown): string {
  if (issue.code === 'invalid_type' && value === undefined) return `required (${issue.message.replace(/^Invalid input: /, '')})`;
  return issue.message.replace(/^Invalid input: /, '');
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = input;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join('');
}

function dedupe(issues: SpecIssue[]): SpecIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.path}\u0000${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** "did you mean" for an unknown key: the closest sibling key known to the schema. */
function suggest(key: string, parentPath: readonly PropertyKey[], input: unknown): string {
  const known = knownKeys(parentPath);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  void input;
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? `; did you mean ${best}?` : '';
}

function knownKeys(path: readonly PropertyKey[]): string[] {
  // Walk the schema's JSON shape: objects expose `shape`; wrappers expose `unwrap()`/`def.innerType`.
  let schema: unknown = SearchSpecSchema;
  for (const key of path) {
    schema = objectShape(schema)?.[String(key)];
    if (!schema) return [];
  }
  return Object.keys(objectShape(schema) ?? {});
}

function objectShape(schema: unknown): Record<string, unknown> | undefined {
  let current = schema as
    | { shape?: Record<string, unknown>; def?: { innerType?: unknown; in?: unknown; schema?: unknown; options?: unknown[] } }
    | undefined;
  for (let depth = 0; current && depth < 8; depth++) {
    if (current.shape) return current.shape;
    // A union's object branches together name every key the field may have.
    if (current.def?.options) {
      const shapes = current.def.options.map(objectShape).filter((s): s is Record<string, unknown> => s !== undefined);
      return shapes.length ? Object.assign({}, ...shapes) : undefined;
    }
    current = (current.def?.innerType ?? current.def?.in ?? current.def?.schema) as typeof current;
  }
  return undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] as number;
      row[j] = Math.min((row[j] as number) + 1, (row[j - 1] as number) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length] as number;
}
