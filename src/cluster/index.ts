/** Scale-out: several replicas on one PostgreSQL (DESIGN.md "Scale-out"). */
export { claimAction, claimCounts, claimHolder, claimOrphans, type OrphanOptions } from './claims.js';
export {
  DEFAULT_EXPIRY_MS,
  DEFAULT_HEARTBEAT_MS,
  Membership,
  type MembershipOptions,
  type ReplicaRow,
  reassignBoundMs,
} from './membership.js';
export { assign, hash53, hrwScore, ownerOf, shareOf } from './rendezvous.js';
export { defaultReplicaId, Replica, type ReplicaOptions } from './replica.js';
