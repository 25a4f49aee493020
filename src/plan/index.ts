export * from './plan.js';
export {
  checkGraph,
  normalRef,
  PART_OP,
  previousOf,
  UNDO_PARTS,
  UNDONE_PARTS,
  type PlanStep,
  type ReplacePart,
  type StepOp,
} from './graph.js';
export * from './desired.js';
export * from './hash.js';
export * from './labels.js';
export { parseDurationNs } from './duration.js';
export * from './build.js';
export * from './run.js';
export { serviceHooks, type HookKind } from './hooks.js';
