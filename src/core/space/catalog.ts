/**
 * The hyperparameter catalog: every parameter a spec may set, its type, hard bounds and
 * the default domain used when the spec leaves it out. The spec schema, the search space
 * and the model builders all read parameter facts from here and nowhere else.
 */

export const FAMILIES = ['mlp', 'cnn', 'rnn', 'transformer'] as const;
export type Family = (typeof FAMILIES)[number];

export const OPTIMIZERS = ['adam', 'adamax', 'rmsprop', 'sgd', 'momentum'] as const;
export const ACTIVATIONS = ['relu', 'elu', 'selu', 'tanh', 'sigmoid', 'swish'] as const;

export type Scalar = number | string | boolean;

/** A domain as written in a spec: a fixed value, a list of choices, or a numeric range. */
export type Domain = Scalar | readonly Scalar[] | { min: number; max: number; log?: boolean; step?: number };

interface NumericEntry {
  readonly kind: 'int' | 'float';
  /** Hard bounds: values outside are rejected by the schema. */
  readonly bounds: readonly [number, number];
  readonly fallback: Domain;
  readonly doc: string;
}
interface ChoiceEntry {
  readonly kind: 'categorical';
  readonly choices: readonly Scalar[];
  readonly fallback: Domain;
  readonly doc: string;
}
export type CatalogEntry = NumericEntry | ChoiceEntry;

/** Parameters every trial has, whatever its family. */
export const COMMON_PARAMETERS = {
  learningRate: { kind: 'float', bounds: [1e-7, 10], fallback: { min: 1e-4, max: 1e-2, log: true }, doc: 'Optimizer step size.' },
  batchSize: { kind: 'int', bounds: [1, 65536], fallback: 32, doc: 'Examples per gradient step.' },
  optimizer: { kind: 'categorical', choices: OPTIMIZERS, fallback: 'adam', doc: 'Gradient-descent variant.' },
  epochs: { kind: 'int', bounds: [1, 10000], fallback: 50, doc: 'Maximum passes over the training data; early stopping may end sooner.' },
} as const satisfies Record<string, CatalogEntry>;

/** Parameters that exist only when `family` takes the block's name. */
export const FAMILY_PARAMETERS = {
  mlp: {
    layers: { kind: 'int', bounds: [1, 16], fallback: { min: 1, max: 3 }, doc: 'Hidden dense layers.' },
    units: { kind: 'int', bounds: [1, 8192], fallback: { min: 16, max: 256, log: true }, doc: 'Units in each hidden layer.' },
    dropout: { kind: 'float', bounds: [0, 0.95], fallback: { min: 0, max: 0.3 }, doc: 'Dropout rate after each hidden layer.' },
    activation: { kind: 'categorical', choices: ACTIVATIONS, fallback: 'relu', doc: 'Hidden-layer activation.' },
  },
  cnn: {
    blocks: { kind: 'int', bounds: [1, 8], fallback: { min: 1, max: 2 }, doc: 'Convolution blocks (conv, then 2x2 pooling while the image is large enough).' },
    filters: { kind: 'int', bounds: [1, 1024], fallback: [16, 32], doc: 'Filters in the first block; each further block doubles them.' },
    kernel: { kind: 'int', bounds: [1, 11], fallback: 3, doc: 'Square convolution kernel size.' },
    activation: { kind: 'categorical', choices: ACTIVATIONS, fallback: 'relu', doc: 'Convolution and dense activation.' },
    pooling: { kind: 'categorical', choices: ['max', 'avg'], fallback: 'max', doc: 'Pooling after each block.' },
    dense: { kind: 'int', bounds: [0, 8192], fallback: [0, 64], doc: 'Units of a dense layer before the output; 0 for none.' },
    dropout: { kind: 'float', bounds: [0, 0.95], fallback: { min: 0, max: 0.3 }, doc: 'Dropout rate before the output head.' },
  },
  rnn: {
    cell: { kind: 'categorical', choices: ['lstm', 'gru'], fallback: ['lstm', 'gru'], doc: 'Recurrent cell.' },
    layers: { kind: 'int', bounds: [1, 8], fallback: { min: 1, max: 2 }, doc: 'Stacked recurrent layers.' },
    units: { kind: 'int', bounds: [1, 4096], fallback: { min: 16, max: 64, log: true }, doc: 'Units per recurrent layer.' },
    bidirectional: { kind: 'categorical', choices: [false, true], fallback: false, doc: 'Read the sequence in both directions.' },
    dropout: { kind: 'float', bounds: [0, 0.95], fallback: { min: 0, max: 0.3 }, doc: 'Dropout rate between layers and before the head.' },
  },
  transformer: {
    layers: { kind: 'int', bounds: [1, 12], fallback: { min: 1, max: 2 }, doc: 'Encoder blocks.' },
    heads: { kind: 'int', bounds: [1, 32], fallback: [1, 2, 4], doc: 'Attention heads per block.' },
    headDim: { kind: 'int', bounds: [1, 256], fallback: [8, 16], doc: 'Size of each head; the model width is heads x headDim.' },
    ffDim: { kind: 'int', bounds: [1, 16384], fallback: [32, 64, 128], doc: 'Hidden units of each feed-forward sublayer.' },
    dropout: { kind: 'float', bounds: [0, 0.95], fallback: { min: 0, max: 0.2 }, doc: 'Dropout rate in attention outputs and feed-forward sublayers.' },
    pooling: { kind: 'categorical', choices: ['mean', 'last'], fallback: 'mean', doc: 'How the sequence is reduced before the head.' },
  },
} as const satisfies Record<Family, Record<string, CatalogEntry>>;

export type CommonParameter = keyof typeof COMMON_PARAMETERS;
export type FamilyParameter<F extends Family> = keyof (typeof FAMILY_PARAMETERS)[F];

/** Families that can model each kind of data. */
export const FAMILIES_BY_DATA_KIND = {
  tabular: ['mlp'],
  image: ['mlp', 'cnn'],
  sequence: ['mlp', 'rnn', 'transformer'],
} as const satisfies Record<string, readonly Family[]>;
