/**
 * The TypeScript preprocessing module of the TensorFlow.js target: a CSV reader and the
 * parameters of `preprocessing.json` applied exactly as modelsmith encodes examples. It is
 * the same for every model; everything model-specific is read from the JSON file.
 */
import { dedent } from './text.js';

/** `preprocessing.ts`. */
export function typescriptPreprocessing(): string {
  return `${dedent(`
    /**
     * Preprocessing modelsmith fitted for this model, applied to CSV files.
     *
     * Every parameter is read from preprocessing.json, which modelsmith wrote next to the
     * code; nothing is refitted. Numeric columns are standardized, (x - center) / scale, with
     * gaps filled by the training median; text columns are one-hot encoded over the training
     * levels (levels unseen in training encode as all zeros, gaps as the training mode); image
     * pixels are divided by the training maximum; a sequence example is a window of
     * consecutive rows; a regression target is standardized for training and decoded after
     * prediction.
     */
    import { readFileSync } from 'node:fs';
    import { fileURLToPath } from 'node:url';

    export const DEFAULT_PATH = fileURLToPath(new URL('../preprocessing.json', import.meta.url));
    const FORMAT = 'modelsmith.preprocessing/1';
    /** Cell texts read as missing (compared trimmed and lower-cased), as modelsmith reads tables. */
    const MISSING = new Set(['', 'na', 'nan', 'n/a', 'null', 'none', '?']);

    export type FeatureEncoder =
      | { kind: 'numeric'; column: string; center: number; scale: number; fill: number }
      | { kind: 'onehot'; column: string; levels: string[]; known: boolean[]; fill: string | null };

    export type TargetEncoder =
      | { kind: 'classes'; column: string; classes: string[] }
      | { kind: 'standardized'; column: string; center: number; scale: number };

    /** The contents of preprocessing.json. */
    export interface Parameters {
      format: string;
      task: 'classification' | 'regression';
      kind: 'tabular' | 'image' | 'sequence';
      features: FeatureEncoder[];
      target: TargetEncoder;
      inputShape: number[];
      window: number;
      horizon: number;
      orderBy: string | null;
    }

    export function isMissing(cell: string): boolean {
      return MISSING.has(cell.trim().toLowerCase());
    }

    function isNumber(cell: string): boolean {
      return cell.trim() !== '' && Number.isFinite(Number(cell));
    }

    /** The rows of CSV text (RFC 4180: quoted fields may hold commas, quotes and line breaks). */
    export function parseCsv(text: string): string[][] {
      const rows: string[][] = [];
      let row: string[] = [];
      let field = '';
      let quoted = false;
      const source = text.startsWith('\\uFEFF') ? text.slice(1) : text;
      for (let i = 0; i < source.length; i++) {
        const char = source[i];
        if (quoted) {
          if (char !== '"') field += char;
          else if (source[i + 1] === '"') {
            field += '"';
            i++;
          } else quoted = false;
        } else if (char === '"') quoted = true;
        else if (char === ',') {
          row.push(field);
          field = '';
        } else if (char === '\\n' || char === '\\r') {
          if (char === '\\r' && source[i + 1] === '\\n') i++;
          row.push(field);
          rows.push(row);
          row = [];
          field = '';
        } else field += char;
      }
      if (field !== '' || row.length > 0) {
        row.push(field);
        rows.push(row);
      }
      return rows.filter((cells) => !(cells.length === 1 && cells[0] === ''));
    }

    /** A CSV field, quoted when it holds a comma, quote, line break or outer space. */
    export function csvField(value: string): string {
      return /[",\\r\\n]|^\\s|\\s$/.test(value) ? '"' + value.replace(/"/g, '""') + '"' : value;
    }

    /** The cells of a CSV file with a header row, by column name, each cell trimmed. */
    export class Table {
      constructor(
        readonly columns: ReadonlyMap<string, readonly string[]>,
        readonly rows: number,
      ) {}

      static readCsv(path: string): Table {
        const [header, ...body] = parseCsv(readFileSync(path, 'utf8'));
        if (!header) throw new Error(path + ' is empty: expected a header row');
        const columns = new Map<string, string[]>();
        header.forEach((name, i) => {
          if (columns.has(name.trim())) throw new Error(path + ': column ' + JSON.stringify(name) + ' appears twice');
          columns.set(name.trim(), body.map((cells) => (cells[i] ?? '').trim()));
        });
        return new Table(columns, body.length);
      }

      column(name: string): readonly string[] {
        const cells = this.columns.get(name);
        if (!cells) throw new Error('the data has no column ' + JSON.stringify(name) + ', which the model needs');
        return cells;
      }
    }

    /** Encoded model inputs, their targets (null when not read) and the rows they came from. */
    export interface Examples {
      readonly count: number;
      /** Row-major inputs: count x product(shape). */
      readonly x: Float32Array;
      /** Class index or standardized target per example. */
      readonly y: Float32Array | null;
      /**
       * The 0-based data row (header not counted) of each example; for a sequence the
       * window's last row, the prediction being for the target horizon rows later.
       */
      readonly rows: Int32Array;
      /** One example's shape. */
      readonly shape: readonly number[];
    }

    /** The fitted preprocessing of a preprocessing.json document. */
    export class Preprocessing {
      readonly classes: readonly string[];
      private readonly classIndex: ReadonlyMap<string, number>;

      constructor(readonly parameters: Parameters) {
        if (parameters.format !== FORMAT) throw new Error('expected a ' + FORMAT + ' document');
        this.classes = parameters.target.kind === 'classes' ? parameters.target.classes : [];
        this.classIndex = new Map(this.classes.map((label, i) => [label, i]));
      }

      static load(path: string = DEFAULT_PATH): Preprocessing {
        return new Preprocessing(JSON.parse(readFileSync(path, 'utf8')) as Parameters);
      }

      /** Encoded values per row. */
      get width(): number {
        return this.parameters.features.reduce((n, f) => n + (f.kind === 'numeric' ? 1 : f.levels.length), 0);
      }

      /** Every row's encoded features, row-major [rows, width]. */
      encodeRows(table: Table): Float32Array {
        const width = this.width;
        const out = new Float32Array(table.rows * width);
        let offset = 0;
        for (const feature of this.parameters.features) {
          const cells = table.column(feature.column);
          if (feature.kind === 'numeric') {
            cells.forEach((cell, row) => {
              const value = isMissing(cell) ? feature.fill : this.number(cell, feature.column);
              out[row * width + offset] = (value - feature.center) / feature.scale;
            });
            offset += 1;
            continue;
          }
          const slots = new Map<string, number>();
          feature.levels.forEach((level, slot) => {
            if (feature.known[slot]) slots.set(level, slot);
          });
          const fill = feature.fill === null ? -1 : (slots.get(feature.fill) ?? -1);
          cells.forEach((cell, row) => {
            const slot = isMissing(cell) ? fill : (slots.get(cell) ?? -1);
            if (slot >= 0) out[row * width + offset + slot] = 1;
          });
          offset += feature.levels.length;
        }
        return out;
      }

      /** Each row's training target (class index or standardized value), NaN when missing. */
      targets(table: Table): Float64Array {
        const target = this.parameters.target;
        return Float64Array.from(table.column(target.column), (cell) => {
          if (isMissing(cell)) return NaN;
          if (target.kind === 'classes') return this.classOf(cell);
          return (this.number(cell, target.column) - target.center) / target.scale;
        });
      }

      /**
       * Rows in sequence order: sorted by the order column (stable), else file order. Rows
       * without an order value come first.
       */
      rowOrder(table: Table): number[] {
        const order = Array.from({ length: table.rows }, (_, row) => row);
        const orderBy = this.parameters.orderBy;
        if (this.parameters.kind !== 'sequence' || orderBy === null) return order;
        const cells = table.column(orderBy);
        const numeric = cells.every((cell) => isMissing(cell) || isNumber(cell));
        const keys = cells.map((cell) => {
          if (numeric) return isMissing(cell) ? -Infinity : Number(cell);
          return isMissing(cell) ? '' : cell;
        });
        return order.sort((a, b) => {
          const [ka, kb] = [keys[a] ?? '', keys[b] ?? ''];
          return ka < kb ? -1 : ka > kb ? 1 : a - b;
        });
      }

      /**
       * The model's examples in a table. labelled (training): the examples whose target is
       * present, with targets; otherwise (prediction) every example the rows make.
       */
      examples(table: Table, labelled: boolean): Examples {
        const { kind, window, horizon, inputShape } = this.parameters;
        const encoded = this.encodeRows(table);
        const targets = labelled ? this.targets(table) : null;
        const width = this.width;
        const picked: { rows: number[]; last: number; y: number }[] = [];
        if (kind !== 'sequence') {
          for (let row = 0; row < table.rows; row++) {
            const y = targets?.[row] ?? 0;
            if (!Number.isNaN(y)) picked.push({ rows: [row], last: row, y });
          }
        } else {
          const order = this.rowOrder(table);
          const ahead = labelled ? horizon : 0;
          for (let start = 0; start + window + ahead <= table.rows; start++) {
            const y = targets?.[order[start + window - 1 + horizon] ?? 0] ?? 0;
            const rows = order.slice(start, start + window);
            if (!Number.isNaN(y)) picked.push({ rows, last: rows[rows.length - 1] ?? 0, y });
          }
        }
        const rowSize = inputShape.reduce((product, dim) => product * dim, 1);
        const x = new Float32Array(picked.length * rowSize);
        picked.forEach((example, i) => {
          example.rows.forEach((row, step) => {
            x.set(encoded.subarray(row * width, (row + 1) * width), i * rowSize + step * width);
          });
        });
        return {
          count: picked.length,
          x,
          y: labelled ? Float32Array.from(picked, (example) => example.y) : null,
          rows: Int32Array.from(picked, (example) => example.last),
          shape: inputShape,
        };
      }

      /** Model outputs as predictions: class labels, or values in the target's units. */
      decode(outputs: Float32Array): (string | number)[] {
        const target = this.parameters.target;
        if (target.kind === 'standardized') return Array.from(outputs, (value) => value * target.scale + target.center);
        const k = this.classes.length;
        return Array.from({ length: outputs.length / k }, (_, i) => {
          let best = 0;
          for (let c = 1; c < k; c++) if ((outputs[i * k + c] ?? 0) > (outputs[i * k + best] ?? 0)) best = c;
          return this.classes[best] ?? '';
        });
      }

      /** CSV, one line per example: its row, the prediction and, for a classifier, each class's probability. */
      predictionsCsv(rows: Int32Array, outputs: Float32Array): string {
        const k = this.classes.length;
        const header = ['row', 'prediction', ...this.classes.map((label) => 'probability:' + label)];
        const lines = this.decode(outputs).map((prediction, i) => {
          const probabilities = Array.from(outputs.subarray(i * k, (i + 1) * k), String);
          return [String(rows[i]), String(prediction), ...probabilities].map(csvField).join(',');
        });
        return [header.map(csvField).join(','), ...lines].join('\\n') + '\\n';
      }

      private number(cell: string, column: string): number {
        if (!isNumber(cell)) {
          const holds = JSON.stringify(column) + ' holds ' + JSON.stringify(cell);
          throw new Error('column ' + holds + '; the model expects numbers');
        }
        return Number(cell);
      }

      private classOf(cell: string): number {
        const index = this.classIndex.get(cell) ?? (isNumber(cell) ? this.classIndex.get(String(Number(cell))) : undefined);
        if (index === undefined) {
          const column = JSON.stringify(this.parameters.target.column);
          throw new Error('column ' + column + ' holds ' + JSON.stringify(cell) + ", not one of the model's classes");
        }
        return index;
      }
    }
  `)}\n`;
}
