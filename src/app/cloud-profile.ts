/**
 * The cloud profile every process estimates costs with: config/cloud.json, the one file
 * that holds the trainers' sizes and the list prices.
 */
import cloud from '../../config/cloud.json' with { type: 'json' };
import type { CloudProfile } from '../core/cost.js';

export const CLOUD_PROFILE: CloudProfile & typeof cloud = cloud;
