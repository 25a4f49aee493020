export * from './plan.js';
export * from './desired.js';
export * from './hash.js';
export * from './labels.js';
export { parseDurationNs } from './duration.js';
