export { type Actor, type ListenPlan, listenPlan } from './auth.js';
export * from './server.js';
export { ROLES, type Role, type TokenInfo, TokenStore, tokenStoreOf } from './tokens.js';
