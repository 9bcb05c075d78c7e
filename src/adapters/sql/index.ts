export * from './database.js';
export * from './ledgerRepository.js';
export * from './receiptRepository.js';
export * from './storeRepository.js';
export type { WalkoutSchema } from './schema.js';
