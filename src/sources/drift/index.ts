/** Drift: comparing a watched file with its intended version, and the diff that shows how it moved. */
export * from './compare.js';
export * from './diff.js';
