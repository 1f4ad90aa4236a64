/** CI/CD sources: webhook receivers of GitHub, GitLab and Jenkins, their API clients, log cutting and mining. */
export * from './client.js';
export * from './clients.js';
export * from './cut.js';
export * from './flood.js';
export type { WebhookRequest } from './github.js';
export * from './history.js';
export { jenkinsJobPath } from './jenkins-client.js';
export * from './lines.js';
export * from './mine.js';
export * from './receive.js';
export * from './report.js';
export * from './summary.js';
export * from './types.js';
export { githubSignature } from './verify.js';
