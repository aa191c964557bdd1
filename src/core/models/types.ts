/**
 * The architecture vocabulary: a model as plain data (a list of layer specs), derived
 * from an assignment and the data's shape. Cost estimation, the tfjs builder and the code
 * generators all read this one description, so they cannot disagree.
 */
import type { Family } from '../space/catalog.js';

/** What the data looks like to a model. */
export interface DataShape {
  readonly task: 'classification' | 'regression';
  /** Shape of one example: [features] tabular, [h, w, c] image, [steps, features] sequence. */
  readonly inputShape: readonly number[];
  /** Classes for classification (softmax over them), 1 for regression. */
  readonly outputUnits: number;
}

export type Activation = 'relu' | 'elu' | 'selu' | 'tanh' | 'sigmoid' | 'swish' | 'linear' | 'softmax';

export type LayerSpec =
  | { readonly type: 'flatten' }
  | { readonly type: 'dense'; readonly units: number; readonly activation: Activation }
  | { readonly type: 'dropout'; readonly rate: number }
  /** 'same' padding, stride 1. */
  | { readonly type: 'conv2d'; readonly filters: number; readonly kernel: number; readonly activation: Activation }
  /** 2x2 window, stride 2. */
  | { readonly type: 'pool2d'; readonly mode: 'max' | 'avg' }
  | {
      readonly type: 'recurrent';
      readonly cell: 'lstm' | 'gru';
      readonly units: number;
      readonly returnSequences: boolean;
      readonly bidirectional: boolean;
    }
  /** Adds fixed sinusoidal position encodings to a [steps, width] input. */
  | { readonly type: 'positionalEncoding' }
  /** Post-norm encoder block: self-attention + residual + layer norm, feed-forward + residual + layer norm. */
  | {
      readonly type: 'transformerEncoder';
      readonly heads: number;
      readonly headDim: number;
      readonly ffDim: number;
      readonly dropout: number;
    }
  /** Reduces [steps, width] to [width]. */
  | { readonly type: 'sequencePool'; readonly mode: 'mean' | 'last' };

export interface Architecture {
  readonly family: Family;
  readonly inputShape: readonly number[];
  /** Hidden layers in order; the last one is the output dense layer. */
  readonly layers: readonly LayerSpec[];
}

/** Size and compute estimated from an architecture before any training. */
export interface ModelCost {
  /** Trainable parameters. */
  readonly params: number;
  /** Floating-point operations for one example's forward pass (a multiply-add counts 2). */
  readonly flops: number;
}
