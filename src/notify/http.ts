/**
 * One POST of a JSON body for the HTTP channels (webhook, Slack, PagerDuty): a timeout, the receiver's answer
 * read either way (it frees the connection, and its complaint helps whoever debugs), and errors that name the
 * channel by origin only, since hook URLs (Slack's) carry their secret in the path.
 *
 * Redirects are refused, not followed: a hop would carry the configured headers (tokens) and the body
 * (PagerDuty's routing key) to wherever the receiver points. The answer is read up to MAX_ANSWER bytes, so a
 * receiver that streams without end neither fills memory nor holds the send until its timeout.
 */
export interface PostOptions {
  /** What the error messages call the channel: "webhook ops", "slack team". */
  label: string;
  timeoutMs: number;
  headers?: Record<string, string>;
  /** Aborts the send (the outbox stopping); the timeout applies as well. */
  signal?: AbortSignal;
}

export interface PostAnswer {
  status: number;
  body: string;
}

/** Enough for any receiver's acknowledgement or complaint (PagerDuty's is a few hundred bytes). */
const MAX_ANSWER = 16 * 1024;

export async function postJson(url: string, body: string, opts: PostOptions): Promise<PostAnswer> {
  const where = `${opts.label} (${origin(url)})`;
  const timeout = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout;
  const failed = (err: unknown): never => {
    const why = timeout.aborted
      ? `timed out after ${opts.timeoutMs}ms`
      : opts.signal?.aborted
        ? 'aborted'
        : reason(err);
    throw new Error(`${where}: ${why}`, { cause: err });
  };
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...opts.headers },
    body,
    signal,
    redirect: 'manual',
  }).catch(failed);
  if (res.status >= 300 && res.status < 400) {
    await res.body?.cancel().catch(() => undefined);
    const to = res.headers.get('location');
    // Only the origin: a Location may hold a secret of its own. The status lets the outbox retry it.
    throw Object.assign(
      new Error(`${where}: HTTP ${res.status} redirect${to ? ` to ${origin(to, url)}` : ''} not followed`),
      { status: res.status },
    );
  }
  const text = await readAtMost(res, MAX_ANSWER).catch(() => '');
  if (!res.ok) {
    const detail = text.trim().slice(0, 200);
    // The status rides along so the outbox can tell a refusal worth retrying (5xx, 429) from one that is not.
    throw Object.assign(new Error(`${where}: HTTP ${res.status}${detail ? `: ${detail}` : ''}`), {
      status: res.status,
    });
  }
  return { status: res.status, body: text };
}

/** The first `max` bytes of the body; the rest is not read (the stream is cancelled). */
async function readAtMost(res: Response, max: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < max) {
    const { value, done } = await reader.read();
    if (done) return Buffer.concat(chunks).toString('utf8');
    chunks.push(value);
    size += value.byteLength;
  }
  await reader.cancel().catch(() => undefined);
  return Buffer.concat(chunks).subarray(0, max).toString('utf8');
}

function origin(url: string, base?: string): string {
  try {
    return new URL(url, base).origin;
  } catch {
    return 'invalid url';
  }
}

function reason(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err as Error).message;
}
