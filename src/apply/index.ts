export * from './apply.js';
export * from './ops.js';
export { waitForDependency } from './wait.js';
