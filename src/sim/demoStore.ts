import type { StoreDefinition } from '../protocol/store.js';
import { smallStore } from './stores.js';

/** The fixed demo store (the simulator's small store, seed 1) used by `walkout start` and `walkout demo`. */
export function demoStore(): StoreDefinition {
  return smallStore(1).definition;
}
