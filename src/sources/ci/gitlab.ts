/**
 * GitLab CI webhooks: Pipeline Hook (`object_kind: pipeline`) and Job Hook (`object_kind: build`). GitLab
 * proves the sender with the secret token it sends as X-Gitlab-Token; X-Gitlab-Event-UUID is the delivery id.
 */
import { header, type WebhookRequest } from './github.js';
import { branchOf, num, obj, str, time } from './payload.js';
import type { CiConclusion, CiEvent, Received } from './types.js';
import { bodyDigest, secretsEqual } from './verify.js';

function conclusionOf(status: unknown): CiConclusion {
  switch (status) {
    case 'success':
      return 'success';
    case 'failed':
      return 'failure';
    case 'canceled':
    case 'cancelled':
      return 'cancelled';
    case 'created':
    case 'pending':
    case 'running':
    case 'waiting_for_resource':
    case 'preparing':
      return 'running';
    default:
      return 'other';
  }
}

/** The project path of a Job Hook: `project.path_with_namespace`, else the path of `repository.homepage`. */
function projectPath(b: Record<string, unknown>): string | null {
  const p = str(obj(b['project'])?.['path_with_namespace']);
  if (p) return p;
  const home = str(obj(b['repository'])?.['homepage']);
  if (!home) return null;
  try {
    return new URL(home).pathname.replace(/^\/+|\/+$/g, '') || null;
  } catch {
    return null;
  }
}

export function receiveGitlab(req: WebhookRequest, secret: string | null): Received {
  if (!secret) return { ok: false, status: 403, reason: 'ci.gitlab is not configured (no webhook secret)' };
  const token = header(req, 'x-gitlab-token');
  if (!token) return { ok: false, status: 401, reason: 'unsigned: no X-Gitlab-Token header' };
  if (!secretsEqual(token, secret))
    return { ok: false, status: 401, reason: 'bad token: X-Gitlab-Token does not match' };
  let body: unknown;
  try {
    body = JSON.parse(req.raw.toString('utf8'));
  } catch {
    return { ok: false, status: 400, reason: 'body: not JSON' };
  }
  const b = obj(body);
  if (!b) return { ok: false, status: 400, reason: 'body: not a JSON object' };
  const delivery = header(req, 'x-gitlab-event-uuid') ?? bodyDigest(req.raw);
  const kind = b['object_kind'];
  if (kind === 'pipeline') {
    const a = obj(b['object_attributes']);
    const project = obj(b['project']);
    const id = num(a?.['id']);
    const path = str(project?.['path_with_namespace']);
    if (!a || id === null || !path)
      return {
        ok: false,
        status: 400,
        reason: 'body: object_attributes.id and project.path_with_namespace required',
      };
    const builds = Array.isArray(b['builds']) ? b['builds'].map(obj) : [];
    const failed = builds.find((x) => x?.['status'] === 'failed');
    const e: CiEvent = {
      provider: 'gitlab',
      delivery,
      repository: path,
      ...(num(project?.['id']) !== null && { projectId: num(project?.['id']) as number }),
      branch: a['tag'] === true ? null : branchOf(str(a['ref'])),
      commit: str(a['sha']),
      workflow: str(a['name']) ?? 'pipeline',
      runId: String(id),
      // The pipeline's failed job is what its log and retry are about.
      jobId: failed && num(failed['id']) !== null ? String(num(failed['id'])) : null,
      jobName: str(failed?.['name']),
      attempt: 1,
      conclusion: conclusionOf(a['status']),
      failedStep: str(failed?.['stage']),
      providerReason: str(failed?.['failure_reason']),
      url: str(a['url']),
      at: time(a['finished_at'], req.now),
    };
    return { ok: true, events: [e] };
  }
  if (kind === 'build') {
    const id = num(b['build_id']);
    const pipeline = num(b['pipeline_id']);
    const path = projectPath(b);
    if (id === null || pipeline === null || !path)
      return { ok: false, status: 400, reason: 'body: build_id, pipeline_id and the project required' };
    const projectId = num(b['project_id']);
    const e: CiEvent = {
      provider: 'gitlab',
      delivery,
      repository: path,
      ...(projectId !== null && { projectId }),
      branch: b['tag'] === true ? null : branchOf(str(b['ref'])),
      commit: str(b['sha']),
      workflow: 'pipeline',
      runId: String(pipeline),
      jobId: String(id),
      jobName: str(b['build_name']),
      attempt: 1,
      conclusion: conclusionOf(b['build_status']),
      failedStep: str(b['build_stage']),
      providerReason: str(b['build_failure_reason']),
      url: null,
      at: time(b['build_finished_at'], req.now),
    };
    return { ok: true, events: [e] };
  }
  return { ok: true, events: [], ignored: `object_kind ${String(kind)}` };
}
