import { z } from 'zod';
import { ConflictError, NotFoundError } from '../../core/index.js';
import type { Medic } from '../../daemon/index.js';
import { idParams, paged, pageOf, paging, type Router } from '../route.js';

const state = z.enum(['pending', 'delivered', 'dead']);

const entry = z.object({
  id: z.string(),
  key: z.string(),
  notifier: z.string(),
  event: z.string(),
  service: z.string(),
  incidentId: z.string().nullable(),
  payload: z.record(z.string(), z.unknown()),
  state,
  attempts: z.number(),
  nextAttemptAt: z.number(),
  lastError: z.string().nullable(),
  claimedBy: z.string().nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
  deliveredAt: z.number().nullable(),
});

const counts = z.object({ pending: z.number(), delivered: z.number(), dead: z.number() });

/** The notification outbox: what waits to be sent, what was, and the dead letters (retried by hand). */
export function registerNotificationRoutes(r: Router, medic: Medic): void {
  r.add({
    method: 'GET',
    url: '/api/notifications',
    tag: 'notifications',
    role: 'viewer',
    summary: 'Notifications in the outbox, newest first; `state=dead` lists those given up on',
    query: z.object({ ...paging, state: state.optional(), notifier: z.string().min(1).optional() }),
    response: pageOf(entry),
    handler: async ({ query }) => paged(await medic.store.listNotifications(query), query),
  });

  r.add({
    method: 'GET',
    url: '/api/notifications/counts',
    tag: 'notifications',
    role: 'viewer',
    summary: 'Notifications per state: pending (waiting or being retried), delivered, dead (dead letters)',
    response: counts,
    handler: async () => medic.store.notificationCounts(),
  });

  r.add({
    method: 'POST',
    url: '/api/notifications/:id/retry',
    tag: 'notifications',
    role: 'operator',
    summary: 'Send a dead-lettered notification again from the first attempt (409 unless it is dead)',
    params: idParams,
    response: z.object({ notification: entry }),
    handler: async ({ params }) => {
      const found = await medic.store.getNotification(params.id);
      if (!found) throw new NotFoundError(`notification ${params.id}`);
      if (!(await medic.store.retryNotification(params.id, medic.clock.now())))
        throw new ConflictError(`notification ${params.id} is ${found.state}, not dead`);
      medic.outbox.kick();
      return { notification: (await medic.store.getNotification(params.id))! };
    },
  });
}
