export * from './plan.js';
export { checkGraph, normalRef, type PlanStep, type StepOp } from './graph.js';
export * from './desired.js';
export * from './hash.js';
export * from './labels.js';
export { parseDurationNs } from './duration.js';
export * from './build.js';
export * from './run.js';
