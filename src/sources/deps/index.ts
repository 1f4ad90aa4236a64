/** Dependency scanning: lockfiles read, their versions matched against OSV advisories. */
export * from './lockfile.js';
export * from './osv.js';
export * from './scan.js';
export * from './version.js';
