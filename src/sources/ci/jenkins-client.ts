/**
 * Jenkins' REST API through undici: the build's console text (streamed) and a new build of the job. Only the
 * configured Jenkins URL is ever called: a notification's `full_url` is a value a sender chose.
 */
import { request } from 'undici';
import type { CiClient, CiTarget, ClientOptions } from './client.js';
import { tailLines } from './lines.js';

/** `folder/job` → `job/folder/job/job`, each part encoded. */
export function jenkinsJobPath(name: string): string {
  return name
    .split('/')
    .filter(Boolean)
    .map((p) => `job/${encodeURIComponent(p)}`)
    .join('/');
}

export function jenkinsClient(o: ClientOptions): CiClient {
  const base = o.baseUrl.replace(/\/+$/, '');
  const headers: Record<string, string> = {};
  if (o.user && o.token)
    headers['authorization'] = `Basic ${Buffer.from(`${o.user}:${o.token}`).toString('base64')}`;
  const timeout = o.timeoutMs ?? 30_000;
  const url = (t: CiTarget, rest: string) => `${base}/${jenkinsJobPath(t.repository)}/${rest}`;
  return {
    async failedJobs(t) {
      return [{ id: t.runId, name: t.repository, failedStep: null }];
    },
    async jobLog(t, _jobId, maxBytes) {
      const res = await request(url(t, `${encodeURIComponent(t.runId)}/consoleText`), {
        headers,
        headersTimeout: timeout,
        bodyTimeout: timeout,
      });
      if (res.statusCode !== 200) {
        await res.body.dump();
        throw new Error(`Jenkins consoleText answered ${res.statusCode}`);
      }
      return (await tailLines(res.body, maxBytes)).lines;
    },
    async rerun(t, _scope, signal) {
      // With an API token Jenkins needs no CSRF crumb. A new build of the job is Jenkins' re-run.
      const res = await request(url(t, 'build'), {
        method: 'POST',
        headers,
        headersTimeout: timeout,
        bodyTimeout: timeout,
        ...(signal && { signal }),
      });
      await res.body.dump();
      if (res.statusCode !== 201 && res.statusCode !== 200)
        throw new Error(`Jenkins build of ${t.repository} answered ${res.statusCode}`);
      const queued = res.headers['location'];
      return `Jenkins build of ${t.repository} queued${typeof queued === 'string' ? ` (${queued})` : ''}`;
    },
    async commentOnCommit() {
      throw new Error('Jenkins has no comments: report a Jenkins failure through the notifiers');
    },
    async openIssue() {
      throw new Error('Jenkins has no issues: report a Jenkins failure through the notifiers');
    },
  };
}
