/** Log ingestion: file tail, Docker container logs, line parsing, push payloads and bounded queues. */
export * from './docker.js';
export * from './header.js';
export * from './multiline.js';
export * from './offsets.js';
export * from './parse.js';
export * from './push.js';
export * from './queue.js';
export * from './tail.js';
