/**
 * Pruners: rules that stop unpromising trials during training, computed from earlier
 * trials as plain data and applied by the training loop after each epoch.
 */
export { medianStoppingRule, shouldPrune, type MedianStoppingOptions, type PruningRule, type ThresholdRule } from './median.js';
