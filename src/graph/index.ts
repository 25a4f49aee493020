export * from './graph.js';
export * from './walk.js';
