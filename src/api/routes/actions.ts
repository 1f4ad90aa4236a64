import { z } from 'zod';
import { NotFoundError } from '../../core/index.js';
import type { Medic } from '../../daemon/index.js';
import { idParams, paged, pageOf, paging, type Router } from '../route.js';
import { action, actionStates, journalEntry } from './schemas.js';

const actionQuery = z.object({
  ...paging,
  service: z.string().min(1).optional(),
  incidentId: z.string().min(1).optional(),
  state: z.enum(actionStates).optional(),
});

const decided = z.object({ actions: z.array(action) });

export function registerActionRoutes(r: Router, medic: Medic): void {
  r.add({
    method: 'GET',
    url: '/api/actions',
    tag: 'actions',
    role: 'viewer',
    summary: 'Actions (playbook steps), newest first; `state=awaiting_approval` lists what waits for a human',
    query: actionQuery,
    response: pageOf(action),
    handler: async ({ query }) => paged(await medic.store.listActions(query), query),
  });

  r.add({
    method: 'GET',
    url: '/api/actions/:id',
    tag: 'actions',
    role: 'viewer',
    summary: 'One action with its journal, in the order written',
    params: idParams,
    response: z.object({ action, journal: z.array(journalEntry) }),
    handler: async ({ params }) => {
      const found = await medic.store.getAction(params.id);
      if (!found) throw new NotFoundError(`action ${params.id}`);
      return { action: found, journal: await medic.store.journal(found.id) };
    },
  });

  r.add({
    method: 'POST',
    url: '/api/actions/:id/approve',
    tag: 'actions',
    role: 'operator',
    summary: 'Approve a heal waiting for approval: its steps run now (409 unless it is awaiting_approval)',
    params: idParams,
    response: decided,
    handler: async ({ params, actor }) => ({ actions: await medic.engine.approve(params.id, actor!.name) }),
  });

  r.add({
    method: 'POST',
    url: '/api/actions/:id/reject',
    tag: 'actions',
    role: 'operator',
    summary: 'Reject a heal waiting for approval: its steps are skipped',
    params: idParams,
    response: decided,
    handler: async ({ params, actor }) => ({ actions: await medic.engine.reject(params.id, actor!.name) }),
  });
}
