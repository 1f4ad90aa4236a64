/** Log template mining, error classification and novelty detection: the detect stage's log half. */
export * from './canonical.js';
export * from './classify.js';
export * from './keywords.js';
export * from './mask.js';
export * from './mask-dates.js';
export * from './miner.js';
export * from './novelty.js';
export * from './token-masker.js';
export * from './tree.js';
