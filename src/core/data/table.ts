/**
 * A typed, columnar table read from CSV or JSON. Numeric columns hold float64 with NaN for
 * missing cells; text columns hold integer codes into a level list (-1 for missing). The
 * columns are plain typed arrays, so a table can be shared with worker threads without
 * copying (see {@link shareTable}).
 */
import { parse as parseCsvText } from 'csv-parse/sync';
import { DatasetError } from '../errors.js';

export interface NumericColumn {
  readonly kind: 'numeric';
  readonly name: string;
  /** NaN marks a missing value. */
  readonly values: Float64Array;
}

export interface CategoricalColumn {
  readonly kind: 'categorical';
  readonly name: string;
  /** Index into `levels`, -1 for missing. */
  readonly codes: Int32Array;
  /** Distinct values in order of first appearance. */
  readonly levels: readonly string[];
}

export type Column = NumericColumn | CategoricalColumn;

export interface Table {
  readonly rowCount: number;
  readonly columns: readonly Column[];
}

/** Cell texts read as missing. */
const MISSING = new Set(['', 'na', 'nan', 'n/a', 'null', 'none', '?']);

type Cell = string | number | boolean | null | undefined;

function isMissing(cell: Cell): boolean {
  if (cell === null || cell === undefined) return true;
  if (typeof cell === 'number') return Number.isNaN(cell);
  return typeof cell === 'string' && MISSING.has(cell.trim().toLowerCase());
}

function asNumber(cell: Cell): number {
  if (typeof cell === 'number') return cell;
  if (typeof cell === 'boolean') return Number.NaN;
  const text = String(cell).trim();
  return text === '' ? Number.NaN : Number(text);
}

/** Build a table from column-major cells, typing each column from its values. */
export function tableFromCells(names: readonly string[], cellsByColumn: readonly (readonly Cell[])[], rowCount: number): Table {
  const columns = names.map((name, c): Column => {
    const cells = cellsByColumn[c] as readonly Cell[];
    const numeric = cells.every((cell) => isMissing(cell) || Number.isFinite(asNumber(cell)));
    if (numeric) {
      const values = new Float64Array(rowCount);
      cells.forEach((cell, r) => (values[r] = isMissing(cell) ? Number.NaN : asNumber(cell)));
      return { kind: 'numeric', name, values };
    }
    const codes = new Int32Array(rowCount);
    const index = new Map<string, number>();
    cells.forEach((cell, r) => {
      if (isMissing(cell)) {
        codes[r] = -1;
        return;
      }
      const text = String(cell).trim();
      let code = index.get(text);
      if (code === undefined) {
        code = index.size;
        index.set(text, code);
      }
      codes[r] = code;
    });
    return { kind: 'categorical', name, codes, levels: [...index.keys()] };
  });
  return { rowCount, columns };
}

/** Parse CSV text with a header row. `source` names the file in errors. */
export function parseCsv(text: string, source: string): Table {
  let records: string[][];
  try {
    records = parseCsvText(text, { bom: true, skip_empty_lines: true, trim: true, relax_quotes: false }) as string[][];
  } catch (error) {
    const e = error as { message?: string; lines?: number };
    throw new DatasetError(`${source} is not valid CSV: ${e.message ?? String(error)}`, { cause: error, context: { source } });
  }
  const [header, ...rows] = records;
  if (!header || header.length === 0) throw new DatasetError(`${source} is empty: expected a header row and data rows`);
  if (rows.length === 0) throw new DatasetError(`${source} has a header but no data rows`);
  checkHeader(header, source);
  const cellsByColumn = header.map((_, c) => rows.map((row) => row[c]));
  return tableFromCells(header, cellsByColumn, rows.length);
}

/** Parse JSON: an array of row objects, or `{ "columns": { name: [values...] } }`. */
export function parseJson(text: string, source: string): Table {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new DatasetError(`${source} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  if (Array.isArray(data)) {
    if (data.length === 0) throw new DatasetError(`${source} has no rows`);
    const names: string[] = [];
    const seen = new Set<string>();
    data.forEach((row, r) => {
      if (row === null || typeof row !== 'object' || Array.isArray(row)) {
        throw new DatasetError(`${source} row ${r}: expected an object of column values`);
      }
      for (const key of Object.keys(row)) if (!seen.has(key)) (seen.add(key), names.push(key));
    });
    const cells = names.map((name) => data.map((row) => cellOf((row as Record<string, unknown>)[name], source, name)));
    return tableFromCells(names, cells, data.length);
  }
  const columns = (data as { columns?: unknown } | null)?.columns;
  if (columns && typeof columns === 'object' && !Array.isArray(columns)) {
    const entries = Object.entries(columns as Record<string, unknown>);
    const lengths = new Set(entries.map(([, v]) => (Array.isArray(v) ? v.length : -1)));
    if (entries.length === 0 || lengths.has(-1) || lengths.size !== 1) {
      throw new DatasetError(`${source}: "columns" must map each column name to an array, all of one length`);
    }
    const rowCount = [...lengths][0] as number;
    if (rowCount === 0) throw new DatasetError(`${source} has no rows`);
    const cells = entries.map(([name, v]) => (v as unknown[]).map((cell) => cellOf(cell, source, name)));
    return tableFromCells(entries.map(([n]) => n), cells, rowCount);
  }
  throw new DatasetError(`${source}: expected an array of row objects or {"columns": {...}}`);
}

function cellOf(value: unknown, source: string, column: string): Cell {
  if (value === null || value === undefined || ['string', 'number', 'boolean'].includes(typeof value)) return value as Cell;
  throw new DatasetError(`${source}: column ${column} holds a nested value; expected numbers or text`);
}

function checkHeader(header: readonly string[], source: string): void {
  const seen = new Set<string>();
  header.forEach((name, i) => {
    if (name === '') throw new DatasetError(`${source}: header column ${i + 1} has no name`);
    if (seen.has(name)) throw new DatasetError(`${source}: column ${name} appears twice in the header`);
    seen.add(name);
  });
}

/** Find a column by name, or fail naming the columns that exist. */
export function columnOf(table: Table, name: string, field: string): Column {
  const column = table.columns.find((c) => c.name === name);
  if (!column) {
    const names = table.columns.map((c) => c.name);
    throw new DatasetError(`${field}: no column named ${JSON.stringify(name)}; the dataset has ${names.join(', ')}`, {
      context: { field, column: name, columns: names },
    });
  }
  return column;
}

/**
 * Copy a table's columns into SharedArrayBuffers so worker threads can read the same
 * memory. Tables are read-only after parsing, so sharing is safe.
 */
export function shareTable(table: Table): Table {
  const share = <T extends Float64Array | Int32Array>(array: T, Ctor: new (b: SharedArrayBuffer) => T): T => {
    if (array.buffer instanceof SharedArrayBuffer) return array;
    const copy = new Ctor(new SharedArrayBuffer(array.byteLength));
    copy.set(array);
    return copy;
  };
  return {
    rowCount: table.rowCount,
    columns: table.columns.map((c) =>
      c.kind === 'numeric'
        ? { ...c, values: share(c.values, Float64Array as new (b: SharedArrayBuffer) => Float64Array) }
        : { ...c, codes: share(c.codes, Int32Array as new (b: SharedArrayBuffer) => Int32Array) },
    ),
  };
}
