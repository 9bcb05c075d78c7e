export * from './ids.js';
export * from './messages.js';
export * from './topics.js';
export * from './store.js';
export * from './results.js';
export * from './errors.js';
