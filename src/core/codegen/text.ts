/**
 * The only ways a value reaches generated source text: escaped string literals (ASCII
 * only, every quote, backslash, control and non-ASCII character escaped), checked numbers,
 * identifiers rebuilt from letters and digits, and comment-safe text. Names that come
 * from a spec or a dataset (model names, column names, class labels) pass through these
 * and nothing else, so no name can end a literal or a comment and run as code.
 */

const hex = (code: number, digits: number): string => code.toString(16).padStart(digits, '0');

/** Escapes shared by Python and TypeScript string literals. */
const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

/** Printable ASCII that may stand for itself inside a double-quoted literal. */
function isPlainAscii(code: number): boolean {
  return code >= 0x20 && code < 0x7f;
}

/**
 * A double-quoted Python string literal of `value`, pure ASCII. Code points above U+FFFF
 * use `\U` escapes (Python does not join `\u` surrogate pairs); lone surrogates stay lone.
 */
export function pyString(value: string): string {
  let out = '"';
  for (const char of value) {
    const code = char.codePointAt(0) as number;
    const simple = SIMPLE_ESCAPES[char];
    if (simple !== undefined) out += simple;
    else if (isPlainAscii(code)) out += char;
    else if (code <= 0xff) out += `\\x${hex(code, 2)}`;
    else if (code <= 0xffff) out += `\\u${hex(code, 4)}`;
    else out += `\\U${hex(code, 8)}`;
  }
  return `${out}"`;
}

/**
 * A single-quoted TypeScript string literal of `value`, pure ASCII. `${` and backticks
 * have no meaning in it; quotes, backslashes and every non-printable or non-ASCII
 * character are escaped.
 */
export function tsString(value: string): string {
  let out = "'";
  for (const char of value) {
    const code = char.codePointAt(0) as number;
    if (char === "'") out += "\\'";
    else if (char !== '"' && SIMPLE_ESCAPES[char] !== undefined) out += SIMPLE_ESCAPES[char];
    else if (isPlainAscii(code)) out += char;
    else if (code <= 0xffff) out += `\\u${hex(code, 4)}`;
    else out += `\\u{${hex(code, 1)}}`;
  }
  return `${out}'`;
}

/** The languages generated code is written in. */
export type Language = 'python' | 'typescript';

/** A string literal of `value` in `language`: {@link pyString} or {@link tsString}. */
export function stringLiteral(value: string, language: Language): string {
  return language === 'python' ? pyString(value) : tsString(value);
}

/** A finite number as source text (valid in Python and TypeScript alike). */
export function numberLiteral(value: number, what: string): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new TypeError(`${what} must be a finite number, got ${String(value)}`);
  return Object.is(value, -0) ? '0' : String(value);
}

/** A whole number ≥ `min` as source text. */
export function intLiteral(value: number, what: string, min = 0): string {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new TypeError(`${what} must be an integer ≥ ${min}, got ${String(value)}`);
  }
  return String(value);
}

/** The ASCII letter and digit runs of a name. */
function words(name: string): string[] {
  return name.split(/[^A-Za-z0-9]+/).filter((word) => word.length > 0);
}

/**
 * A PascalCase class name built from the letters and digits of `name`, ending in `suffix`
 * (so it is never a keyword): `iris-v2` → `IrisV2Model`. Falls back to the suffix alone.
 */
export function className(name: string, suffix = 'Model'): string {
  const body = words(name)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('')
    .slice(0, 60);
  const joined = /^[A-Za-z]/.test(body) ? body : '';
  return joined.endsWith(suffix) ? joined : `${joined}${suffix}`;
}

/** A snake_case identifier from the letters and digits of `name`, or `fallback`. */
export function snakeName(name: string, fallback: string): string {
  const body = words(name).join('_').toLowerCase().slice(0, 48);
  return /^[a-z]/.test(body) ? body : fallback;
}

/**
 * Text safe inside a comment, docstring or Markdown line in any target: letters, digits,
 * spaces and `.`, `_`, `-` kept; every other character (quotes, newlines, `*`, `/`,
 * backticks, `$`, braces, backslashes) becomes `_`.
 */
export function commentText(value: string, maxLength = 80): string {
  const cleaned = Array.from(value, (char) => (/^[A-Za-z0-9 ._-]$/.test(char) ? char : '_')).join('');
  return cleaned.length > maxLength ? `${cleaned.slice(0, maxLength - 3)}...` : cleaned;
}

/**
 * A line comment (`marker` is `#` or `//`) wrapped at word boundaries to fit `width`
 * columns at indentation `column`; continuation lines are indented two more spaces.
 */
export function lineComment(text: string, marker: string, column: number, width: number): string {
  const lines: string[] = [];
  let line = marker;
  for (const word of text.split(' ')) {
    const next = `${line} ${word}`;
    if (column + next.length > width && line.trim() !== marker) {
      lines.push(line);
      line = `${marker}   ${word}`;
    } else line = next;
  }
  lines.push(line);
  return lines.join('\n');
}

/** Thousands separated with commas, for comments and READMEs. */
export function grouped(value: number): string {
  return intLiteral(value, 'count').replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * Strip the common leading indentation of a template block and its first and last blank
 * lines, so generators can write code blocks indented like their own source.
 */
export function dedent(block: string): string {
  const lines = block.replace(/^\n/, '').replace(/\n[ \t]*$/, '').split('\n');
  const indents = lines.filter((line) => line.trim() !== '').map((line) => /^ */.exec(line)?.[0].length ?? 0);
  const common = indents.length ? Math.min(...indents) : 0;
  return lines.map((line) => line.slice(common).trimEnd()).join('\n');
}

/** Indent every non-empty line of `text` by `spaces`. */
export function indent(text: string, spaces: number): string {
  const pad = ' '.repeat(spaces);
  return text
    .split('\n')
    .map((line) => (line === '' ? line : pad + line))
    .join('\n');
}

/**
 * A call or constructor written on one line when it fits in `width` columns at `column`,
 * otherwise one argument per line with a trailing comma (the way Black and Prettier
 * break long calls). Continuation lines are indented relative to the call's own line, so
 * the caller places the whole block (see {@link fill}). `open`/`close` are the brackets.
 */
export function callText(head: string, args: readonly string[], column: number, width = 100, open = '(', close = ')'): string {
  const inline = `${head}${open}${args.join(', ')}${close}`;
  if (column + inline.length <= width || args.length === 0) return inline;
  return `${head}${open}\n${args.map((arg) => indent(`${arg},`, 4)).join('\n')}\n${close}`;
}

/**
 * Replace each line that holds only `@@NAME@@` (after its indentation) with `values[NAME]`,
 * every line of it indented as the placeholder was. Templates are dedented first, then
 * filled, so multi-line values keep their own relative indentation.
 */
export function fill(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/^( *)@@([A-Z_]+)@@$/gm, (_, pad: string, key: string) => {
    const value = values[key];
    if (value === undefined) throw new RangeError(`no value for template placeholder ${key}`);
    return indent(value, pad.length);
  });
}

/** Join source sections with one blank line (or `gap` blank lines) between them. */
export function sections(parts: readonly (string | null | undefined | false)[], gap = 1): string {
  return `${parts.filter((part): part is string => typeof part === 'string' && part !== '').join('\n'.repeat(gap + 1))}\n`;
}
