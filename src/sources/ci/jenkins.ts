/**
 * Jenkins through the Notification plugin: one JSON document per build phase (QUEUED, STARTED, COMPLETED,
 * FINALIZED). The plugin signs nothing, so its endpoint URL carries a shared token (`?token=`), or a proxy adds
 * X-Jenkins-Token; COMPLETED and FINALIZED with a status become events.
 */
import { header, type WebhookRequest } from './github.js';
import { branchOf, num, obj, str } from './payload.js';
import type { CiConclusion, Received } from './types.js';
import { bodyDigest, secretsEqual } from './verify.js';

function conclusionOf(status: unknown): CiConclusion {
  switch (status) {
    case 'SUCCESS':
      return 'success';
    case 'FAILURE':
    case 'UNSTABLE':
      return 'failure';
    case 'ABORTED':
      return 'cancelled';
    default:
      return 'other';
  }
}

export function receiveJenkins(
  req: WebhookRequest & { query: Record<string, unknown> },
  secret: string | null,
): Received {
  if (!secret) return { ok: false, status: 403, reason: 'ci.jenkins is not configured (no shared token)' };
  const q = req.query['token'];
  const token = header(req, 'x-jenkins-token') ?? (typeof q === 'string' ? q : undefined);
  if (!token) return { ok: false, status: 401, reason: 'unsigned: no token (?token= or X-Jenkins-Token)' };
  if (!secretsEqual(token, secret)) return { ok: false, status: 401, reason: 'bad token' };
  let body: unknown;
  try {
    body = JSON.parse(req.raw.toString('utf8'));
  } catch {
    return { ok: false, status: 400, reason: 'body: not JSON (set the endpoint format to JSON)' };
  }
  const b = obj(body);
  const build = obj(b?.['build']);
  const name = str(b?.['name']);
  const number = num(build?.['number']);
  if (!b || !build || !name || number === null)
    return { ok: false, status: 400, reason: 'body: name and build.number required' };
  const phase = build['phase'];
  if (phase !== 'COMPLETED' && phase !== 'FINALIZED')
    return { ok: true, events: [], ignored: `phase ${String(phase)}` };
  const scm = obj(build['scm']);
  return {
    ok: true,
    events: [
      {
        provider: 'jenkins',
        // COMPLETED and FINALIZED of one build are one outcome: the stage keys the run, not the phase.
        delivery: `${bodyDigest(req.raw)}:${String(phase)}`,
        repository: name,
        branch: branchOf(str(scm?.['branch'])),
        commit: str(scm?.['commit']),
        workflow: str(b['display_name']) ?? name,
        runId: String(number),
        jobId: null,
        jobName: null,
        attempt: 1,
        conclusion: conclusionOf(build['status']),
        failedStep: null,
        providerReason: null,
        url: str(build['full_url']),
        at: req.now,
      },
    ],
  };
}
