/** What runs on this host, for `medic init`: listening sockets, their processes, and a medic.yaml for them. */
export * from './discover.js';
export * from './http-detect.js';
export * from './known.js';
export * from './proc-net.js';
export * from './processes.js';
export * from './render.js';
