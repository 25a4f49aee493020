/**
 * config/: the only layer that knows files. `loadProject()` finds and reads the stack files, parses
 * YAML with source positions, interpolates, merges, validates against `schemas/stack.schema.json`
 * and normalizes into a `Project`, or throws a `ConfigError` carrying every problem found.
 */
export type { LoadOptions, LoadResult } from './load.js';
export { loadProject, loadProjectWithNotices } from './load.js';
export { formatNotice, type PrivilegeNotice } from './privileges.js';
export { warningsForEngine, type EngineGatedWarning } from './engine-keys.js';
export { loadProjectCached, type ProjectCache } from './cache.js';
export { dockerfileBases, readBuildBases } from './dockerfile.js';
export type * from './model.js';
