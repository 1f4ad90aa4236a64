/**
 * GitHub Actions webhooks: `workflow_job` and `workflow_run` with `action: completed` become CI events; `ping`
 * and other actions are acknowledged and ignored. The sender is verified by X-Hub-Signature-256 over the raw
 * body (see verify.ts); the delivery id is X-GitHub-Delivery.
 */

import { branchOf, num, obj, str, time } from './payload.js';
import type { CiConclusion, CiEvent, Received } from './types.js';
import { githubSignatureValid } from './verify.js';

export interface WebhookRequest {
  headers: Record<string, string | string[] | undefined>;
  raw: Buffer;
  now: number;
}

export function header(req: WebhookRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function conclusionOf(status: unknown, conclusion: unknown): CiConclusion {
  if (status !== 'completed') return 'running';
  switch (conclusion) {
    case 'success':
      return 'success';
    case 'failure':
    case 'timed_out':
    case 'startup_failure':
      return 'failure';
    case 'cancelled':
      return 'cancelled';
    default:
      return 'other';
  }
}

/** Verifies and reads one GitHub webhook. `secret` null: the provider is not configured. */
export function receiveGithub(req: WebhookRequest, secret: string | null): Received {
  if (!secret) return { ok: false, status: 403, reason: 'ci.github is not configured (no webhook secret)' };
  const signature = header(req, 'x-hub-signature-256');
  if (!signature) return { ok: false, status: 401, reason: 'unsigned: no X-Hub-Signature-256 header' };
  if (!githubSignatureValid(signature, secret, req.raw))
    return { ok: false, status: 401, reason: 'bad signature: X-Hub-Signature-256 does not match the body' };
  const event = header(req, 'x-github-event');
  const delivery = header(req, 'x-github-delivery');
  if (!event || !delivery)
    return { ok: false, status: 400, reason: 'missing X-GitHub-Event or X-GitHub-Delivery header' };
  let body: unknown;
  try {
    body = JSON.parse(req.raw.toString('utf8'));
  } catch {
    return {
      ok: false,
      status: 400,
      reason: 'body: not JSON (set the webhook content type to application/json)',
    };
  }
  const b = obj(body);
  if (!b) return { ok: false, status: 400, reason: 'body: not a JSON object' };
  if (event === 'ping') return { ok: true, events: [], ignored: 'ping' };
  if (event !== 'workflow_job' && event !== 'workflow_run')
    return { ok: true, events: [], ignored: `event ${event}` };
  const repository = str(obj(b['repository'])?.['full_name']);
  if (!repository) return { ok: false, status: 400, reason: 'body: repository.full_name missing' };
  if (b['action'] !== 'completed') return { ok: true, events: [], ignored: `action ${String(b['action'])}` };
  const base = { provider: 'github' as const, delivery, repository, providerReason: null };
  if (event === 'workflow_job') {
    const j = obj(b['workflow_job']);
    const id = num(j?.['id']);
    const runId = num(j?.['run_id']);
    if (!j || id === null || runId === null)
      return { ok: false, status: 400, reason: 'body: workflow_job.id and run_id required' };
    const steps = Array.isArray(j['steps']) ? j['steps'].map(obj) : [];
    const failed = steps.find((s) => s?.['conclusion'] === 'failure');
    const e: CiEvent = {
      ...base,
      branch: branchOf(str(j['head_branch'])),
      commit: str(j['head_sha']),
      workflow: str(j['workflow_name']) ?? 'workflow',
      runId: String(runId),
      jobId: String(id),
      jobName: str(j['name']),
      attempt: num(j['run_attempt']) ?? 1,
      conclusion: conclusionOf(j['status'], j['conclusion']),
      failedStep: str(failed?.['name']),
      url: str(j['html_url']),
      at: time(j['completed_at'], req.now),
    };
    return { ok: true, events: [e] };
  }
  const r = obj(b['workflow_run']);
  const runId = num(r?.['id']);
  if (!r || runId === null) return { ok: false, status: 400, reason: 'body: workflow_run.id required' };
  const e: CiEvent = {
    ...base,
    branch: branchOf(str(r['head_branch'])),
    commit: str(r['head_sha']),
    workflow: str(r['name']) ?? 'workflow',
    runId: String(runId),
    jobId: null,
    jobName: null,
    attempt: num(r['run_attempt']) ?? 1,
    conclusion: conclusionOf(r['status'], r['conclusion']),
    failedStep: null,
    url: str(r['html_url']),
    at: time(r['updated_at'], req.now),
  };
  return { ok: true, events: [e] };
}
