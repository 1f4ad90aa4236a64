import type { Notification, Notifier } from './notifier.js';

export interface WebhookOptions {
  name: string;
  url: string;
  headers?: Record<string, string>;
  timeoutMs: number;
}

/** POSTs each notification as JSON. Retries are the caller's business; one send is one attempt. */
export class WebhookNotifier implements Notifier {
  readonly name: string;

  constructor(private readonly opts: WebhookOptions) {
    this.name = opts.name;
  }

  async send(n: Notification): Promise<void> {
    const res = await fetch(this.opts.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...this.opts.headers },
      body: JSON.stringify(n),
      signal: AbortSignal.timeout(this.opts.timeoutMs),
    }).catch((err: unknown) => {
      const why =
        (err as Error).name === 'TimeoutError' ? `timed out after ${this.opts.timeoutMs}ms` : reason(err);
      throw new Error(`webhook ${this.where()}: ${why}`, { cause: err });
    });
    // Read the body either way: it frees the connection, and a receiver's complaint helps whoever debugs.
    const body = await res.text().catch(() => '');
    if (!res.ok) {
      const detail = body.trim().slice(0, 200);
      throw new Error(`webhook ${this.where()}: HTTP ${res.status}${detail ? `: ${detail}` : ''}`);
    }
  }

  /** Only the origin: credentials, paths (Slack-style hook URLs) and queries often carry a secret. */
  private where(): string {
    try {
      return `${this.name} (${new URL(this.opts.url).origin})`;
    } catch {
      return this.name;
    }
  }
}

function reason(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err as Error).message;
}
