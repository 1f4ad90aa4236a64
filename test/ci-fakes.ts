/**
 * Local stand-ins for GitHub, GitLab and Jenkins: HTTP servers that answer the REST endpoints the real clients
 * call (Octokit, @gitbeaker/rest, undici) with the providers' documented shapes, and senders of their webhooks
 * with their real headers. Payloads are small and hand-made after the providers' documentation.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import path from 'node:path';
import {
  githubWebhookHeaders,
  type JobPayloadOptions,
  workflowJobPayload,
  workflowRunPayload,
} from '../src/drill/ci-github-wire.js';

export const fixture = (f: string) => readFileSync(path.join(import.meta.dirname, 'ci-fixtures', f), 'utf8');

export interface Seen {
  method: string;
  url: string;
  auth: string | undefined;
  privateToken: string | undefined;
  body: string;
}

/** What a provider was told: comments on commits and issues (open until closed). */
export interface Reports {
  comments: { sha: string; body: string }[];
  issues: { number: number; title: string; body: string; labels: string[]; state: 'open' | 'closed' }[];
}

export interface Fake extends Reports {
  url: string;
  seen: Seen[];
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL, body: string) => boolean;

async function serve(
  handler: Handler,
  reports: Reports = { comments: [], issues: [] },
): Promise<Fake & { server: Server }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({
        method: req.method ?? '',
        url: url.pathname + url.search,
        auth: req.headers.authorization,
        privateToken: req.headers['private-token'] as string | undefined,
        body,
      });
      if (!handler(req, res, url, body)) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: 'Not Found' }));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    ...reports,
    server,
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
};

/** GitHub's REST API: a job's logs (302 to storage, as GitHub answers), the run's jobs, rerun-failed-jobs. */
export async function fakeGithub(
  logs: Record<string, string>,
  onRerun: (runId: string) => void,
): Promise<Fake> {
  const reports: Reports = { comments: [], issues: [] };
  return serve((req, res, url, body) => {
    if (githubReports(reports, req, res, url, body)) return true;
    let m = /^\/repos\/[^/]+\/[^/]+\/actions\/jobs\/(\d+)\/logs$/.exec(url.pathname);
    if (req.method === 'GET' && m) {
      res.writeHead(302, { location: `${fakeBase(req)}/blob/job-logs/${m[1]}.txt?sig=abc` });
      res.end();
      return true;
    }
    m = /^\/blob\/job-logs\/(\d+)\.txt$/.exec(url.pathname);
    if (req.method === 'GET' && m) {
      const log = logs[m[1] as string];
      if (log === undefined) return false;
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(log);
      return true;
    }
    m = /^\/repos\/[^/]+\/[^/]+\/actions\/runs\/(\d+)\/rerun-failed-jobs$/.exec(url.pathname);
    if (req.method === 'POST' && m) {
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end('{}');
      onRerun(m[1] as string);
      return true;
    }
    return false;
  }, reports);
}

/**
 * GitHub's commit comments and issues (REST API v3): POST /repos/{o}/{r}/commits/{sha}/comments,
 * GET /repos/{o}/{r}/issues?state=open&labels=a,b, POST /repos/{o}/{r}/issues, answered in GitHub's shapes.
 */
function githubReports(
  r: Reports,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  body: string,
): boolean {
  const base = 'https://github.com/acme/shop';
  let m = /^\/repos\/([^/]+)\/([^/]+)\/commits\/([0-9a-f]{7,40})\/comments$/.exec(url.pathname);
  if (req.method === 'POST' && m) {
    const b = JSON.parse(body) as { body: string };
    r.comments.push({ sha: m[3] as string, body: b.body });
    json(res, 201, {
      id: r.comments.length,
      html_url: `${base}/commit/${m[3]}#commitcomment-${r.comments.length}`,
      body: b.body,
      commit_id: m[3],
      path: null,
      position: null,
      line: null,
      user: { login: 'medic-bot', id: 2, type: 'Bot' },
      created_at: '2026-03-02T09:20:00Z',
    });
    return true;
  }
  m = /^\/repos\/([^/]+)\/([^/]+)\/issues$/.exec(url.pathname);
  const issueOut = (i: Reports['issues'][number]) => ({
    id: 1000 + i.number,
    number: i.number,
    title: i.title,
    body: i.body,
    state: i.state,
    html_url: `${base}/issues/${i.number}`,
    labels: i.labels.map((name, n) => ({ id: n + 1, name })),
    user: { login: 'medic-bot', id: 2, type: 'Bot' },
  });
  if (req.method === 'GET' && m) {
    const want = url.searchParams.get('labels')?.split(',').filter(Boolean) ?? [];
    const state = url.searchParams.get('state') ?? 'open';
    json(
      res,
      200,
      r.issues
        .filter((i) => (state === 'all' || i.state === state) && want.every((l) => i.labels.includes(l)))
        .map(issueOut),
    );
    return true;
  }
  if (req.method === 'POST' && m) {
    const b = JSON.parse(body) as { title: string; body?: string; labels?: string[] };
    const issue = {
      number: r.issues.length + 1,
      title: b.title,
      body: b.body ?? '',
      labels: b.labels ?? [],
      state: 'open' as const,
    };
    r.issues.push(issue);
    json(res, 201, issueOut(issue));
    return true;
  }
  return false;
}

/**
 * GitLab's commit comments and issues (API v4): POST /projects/:id/repository/commits/:sha/comments,
 * GET /projects/:id/issues?state=opened&search=…&labels=…, POST /projects/:id/issues, in GitLab's shapes.
 */
function gitlabReports(
  r: Reports,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  body: string,
): boolean {
  const form = (): Record<string, string> => {
    // gitbeaker sends JSON; a form body is read too, as GitLab does.
    try {
      return JSON.parse(body) as Record<string, string>;
    } catch {
      return Object.fromEntries(new URLSearchParams(body));
    }
  };
  let m = /^\/api\/v4\/projects\/([^/]+)\/repository\/commits\/([0-9a-f]{7,40})\/comments$/.exec(
    url.pathname,
  );
  if (req.method === 'POST' && m) {
    const note = form()['note'] ?? '';
    r.comments.push({ sha: m[2] as string, body: note });
    json(res, 201, {
      note,
      path: null,
      line: null,
      line_type: null,
      author: { id: 2, username: 'medic-bot', name: 'Medic', state: 'active' },
      created_at: '2026-03-02T09:20:00.000Z',
    });
    return true;
  }
  m = /^\/api\/v4\/projects\/([^/]+)\/issues$/.exec(url.pathname);
  const out = (project: string, i: Reports['issues'][number]) => ({
    id: 5000 + i.number,
    iid: i.number,
    project_id: 412,
    title: i.title,
    description: i.body,
    state: i.state === 'open' ? 'opened' : 'closed',
    labels: i.labels,
    web_url: `https://gitlab.example.com/${decodeURIComponent(project)}/-/issues/${i.number}`,
  });
  if (req.method === 'GET' && m) {
    const search = url.searchParams.get('search') ?? '';
    const want = url.searchParams.get('labels')?.split(',').filter(Boolean) ?? [];
    const state = url.searchParams.get('state');
    json(
      res,
      200,
      r.issues
        .filter(
          (i) =>
            (!state || (state === 'opened') === (i.state === 'open')) &&
            (i.title.includes(search) || i.body.includes(search)) &&
            want.every((l) => i.labels.includes(l)),
        )
        .map((i) => out(m?.[1] as string, i)),
    );
    return true;
  }
  if (req.method === 'POST' && m) {
    const f = form();
    const issue = {
      number: r.issues.length + 1,
      title: f['title'] ?? '',
      body: f['description'] ?? '',
      labels: (f['labels'] ?? '').split(',').filter(Boolean),
      state: 'open' as const,
    };
    r.issues.push(issue);
    json(res, 201, out(m[1] as string, issue));
    return true;
  }
  return false;
}

function fakeBase(req: IncomingMessage): string {
  return `http://${req.headers.host}`;
}

/** GitLab's API v4: a job's trace, pipeline retry. */
export async function fakeGitlab(
  traces: Record<string, string>,
  onRetry: (pipelineId: string) => void,
): Promise<Fake> {
  const reports: Reports = { comments: [], issues: [] };
  return serve((req, res, url, body) => {
    if (gitlabReports(reports, req, res, url, body)) return true;
    let m = /^\/api\/v4\/projects\/([^/]+)\/jobs\/(\d+)\/trace$/.exec(url.pathname);
    if (req.method === 'GET' && m) {
      const t = traces[m[2] as string];
      if (t === undefined) return false;
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(t);
      return true;
    }
    m = /^\/api\/v4\/projects\/([^/]+)\/pipelines\/(\d+)\/retry$/.exec(url.pathname);
    if (req.method === 'POST' && m) {
      json(res, 201, { id: Number(m[2]), status: 'pending', ref: 'main', sha: 'b'.repeat(40) });
      onRetry(m[2] as string);
      return true;
    }
    return false;
  }, reports);
}

/** Jenkins: a build's consoleText, and POST /job/NAME/build (201 with the queue item's Location). */
export async function fakeJenkins(
  consoles: Record<string, string>,
  onBuild: (job: string) => void,
): Promise<Fake> {
  return serve((req, res, url) => {
    let m = /^\/job\/([^/]+)\/(\d+)\/consoleText$/.exec(url.pathname);
    if (req.method === 'GET' && m) {
      const c = consoles[m[2] as string];
      if (c === undefined) return false;
      res.writeHead(200, { 'content-type': 'text/plain;charset=UTF-8' });
      res.end(c);
      return true;
    }
    m = /^\/job\/([^/]+)\/build$/.exec(url.pathname);
    if (req.method === 'POST' && m) {
      res.writeHead(201, { location: `${fakeBase(req)}/queue/item/42/` });
      res.end();
      onBuild(decodeURIComponent(m[1] as string));
      return true;
    }
    return false;
  });
}

export interface Sent {
  status: number;
  body: unknown;
}

async function post(url: string, headers: Record<string, string>, body: string): Promise<Sent> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: res.status, body: parsed };
}

/** A GitHub webhook delivery, signed as GitHub signs it (or with `signature` given). */
export function sendGithub(
  medic: string,
  secret: string,
  event: string,
  delivery: string,
  payload: unknown,
  o: { signature?: string; raw?: string } = {},
): Promise<Sent> {
  const body = o.raw ?? JSON.stringify(payload);
  return post(
    `${medic}/api/ingest/ci/github`,
    githubWebhookHeaders(secret, event, delivery, body, o.signature),
    body,
  );
}

export function sendGitlab(
  medic: string,
  token: string | null,
  event: string,
  uuid: string,
  payload: unknown,
  raw?: string,
): Promise<Sent> {
  return post(
    `${medic}/api/ingest/ci/gitlab`,
    {
      'user-agent': 'GitLab/17.5.0',
      'x-gitlab-event': event,
      'x-gitlab-event-uuid': uuid,
      'x-gitlab-instance': 'https://gitlab.example.com',
      ...(token !== null && { 'x-gitlab-token': token }),
    },
    raw ?? JSON.stringify(payload),
  );
}

export function sendJenkins(
  medic: string,
  token: string | null,
  payload: unknown,
  raw?: string,
): Promise<Sent> {
  const q = token === null ? '' : `?token=${encodeURIComponent(token)}`;
  return post(
    `${medic}/api/ingest/ci/jenkins${q}`,
    { 'user-agent': 'Java/17.0.9' },
    raw ?? JSON.stringify(payload),
  );
}

/** `workflow_job` completed of acme/shop (GitHub's documented shape, from the drill's wire module). */
export const workflowJob = (o: Omit<JobPayloadOptions, 'repository'>) =>
  workflowJobPayload({ repository: 'acme/shop', ...o });

/** `workflow_run` completed of acme/shop (of the workflow `CI` unless named). */
export const workflowRun = (o: Omit<JobPayloadOptions, 'repository' | 'id' | 'failedStep'>) =>
  workflowRunPayload({ repository: 'acme/shop', ...o });

const glProject = {
  id: 4711,
  name: 'shop',
  path_with_namespace: 'acme/shop',
  web_url: 'https://gitlab.example.com/acme/shop',
};

/** GitLab's Pipeline Hook (its documented shape, trimmed): pipeline 3141 of acme/shop on commit d…d. */
export function gitlabPipelineHook(
  status: string,
  jobs: { id: number; status: string; failure_reason?: string }[],
) {
  return {
    object_kind: 'pipeline',
    object_attributes: {
      id: 3141,
      iid: 12,
      name: null,
      ref: 'main',
      tag: false,
      sha: 'd'.repeat(40),
      source: 'push',
      status,
      detailed_status: status,
      stages: ['install', 'test'],
      created_at: '2026-03-02 09:00:00 UTC',
      finished_at: '2026-03-02 09:05:00 UTC',
      duration: 300,
      url: 'https://gitlab.example.com/acme/shop/-/pipelines/3141',
    },
    user: { id: 1, name: 'Administrator', username: 'root' },
    project: glProject,
    commit: { id: 'd'.repeat(40), message: 'Add coupons', timestamp: '2026-03-02T08:59:00+00:00' },
    builds: jobs.map((j) => ({
      id: j.id,
      stage: 'install',
      name: 'install',
      status: j.status,
      created_at: '2026-03-02 09:00:00 UTC',
      finished_at: '2026-03-02 09:01:00 UTC',
      when: 'on_success',
      manual: false,
      allow_failure: false,
      failure_reason: j.failure_reason ?? null,
      runner: { id: 7, description: 'shared-runner-7', active: true, is_shared: true },
    })),
  };
}
