/**
 * One POST of a JSON body for the HTTP channels (webhook, Slack, PagerDuty): a timeout, the receiver's answer
 * read either way (it frees the connection, and its complaint helps whoever debugs), and errors that name the
 * channel by origin only, since hook URLs (Slack's) carry their secret in the path.
 */
export interface PostOptions {
  /** What the error messages call the channel: "webhook ops", "slack team". */
  label: string;
  timeoutMs: number;
  headers?: Record<string, string>;
}

export interface PostAnswer {
  status: number;
  body: string;
}

export async function postJson(url: string, body: string, opts: PostOptions): Promise<PostAnswer> {
  const where = `${opts.label} (${origin(url)})`;
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...opts.headers },
    body,
    signal: AbortSignal.timeout(opts.timeoutMs),
  }).catch((err: unknown) => {
    const why = (err as Error).name === 'TimeoutError' ? `timed out after ${opts.timeoutMs}ms` : reason(err);
    throw new Error(`${where}: ${why}`, { cause: err });
  });
  const text = await res.text().catch(() => '');
  if (!res.ok) {
    const detail = text.trim().slice(0, 200);
    // The status rides along so the outbox can tell a refusal worth retrying (5xx, 429) from one that is not.
    throw Object.assign(new Error(`${where}: HTTP ${res.status}${detail ? `: ${detail}` : ''}`), {
      status: res.status,
    });
  }
  return { status: res.status, body: text };
}

function origin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'invalid url';
  }
}

function reason(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err as Error).message;
}
