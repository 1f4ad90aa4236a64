/**
 * "Run this playbook now": an operator picks a playbook for a service's open incident. The run goes through
 * the guard, the journal and the approvals as any heal does (src/remediate/operator-run.ts); the request is
 * audited under the token's name, as every change is (auth.ts), and so is the guard's verdict on it.
 */
import { z } from 'zod';
import type { Medic } from '../../daemon/index.js';
import type { Router } from '../route.js';
import { action } from './schemas.js';

const params = z.object({
  name: z.string().min(1).max(200),
  playbook: z.string().min(1).max(200),
});

const result = z.object({
  service: z.string(),
  playbook: z.string(),
  incidentId: z.string(),
  verdict: z.enum(['run', 'ask', 'suggest', 'dry_run']),
  rail: z.string(),
  reason: z.string(),
  actions: z.array(action),
});

export function registerPlaybookRoutes(r: Router, medic: Medic): void {
  r.add({
    method: 'POST',
    url: '/api/services/:name/playbooks/:playbook/run',
    tag: 'healing',
    role: 'operator',
    summary:
      "Run a playbook on the service's open incident now, through the guard, journal and approvals like any heal: `run` (started), `ask` (waits for approval), `suggest` or `dry_run` (journaled, skipped); 409 with the guard's reason when it may not run",
    params,
    response: result,
    handler: async ({ params: p, actor }) => medic.engine.runPlaybook(p.name, p.playbook, actor!.name),
  });
}
