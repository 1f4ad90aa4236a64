import { createHmac } from 'node:crypto';
import { postJson } from './http.js';
import type { Notification, Notifier } from './notifier.js';

export interface WebhookOptions {
  name: string;
  url: string;
  headers?: Record<string, string>;
  timeoutMs: number;
  /**
   * When set, each request is signed: `x-medic-timestamp: <epoch ms>` and `x-medic-signature: sha256=<hex>`,
   * the HMAC-SHA256 of `<timestamp>.<body>` (not of the body alone), so a captured request cannot be replayed
   * later with a fresh timestamp.
   */
  secret?: string;
}

/** POSTs each notification as JSON. Retries are the caller's business; one send is one attempt. */
export class WebhookNotifier implements Notifier {
  readonly name: string;

  constructor(private readonly opts: WebhookOptions) {
    this.name = opts.name;
  }

  async send(n: Notification, signal?: AbortSignal): Promise<void> {
    const body = JSON.stringify(n);
    const headers = { ...this.opts.headers };
    if (this.opts.secret) Object.assign(headers, signWebhook(this.opts.secret, body, n.at));
    await postJson(this.opts.url, body, {
      label: `webhook ${this.name}`,
      timeoutMs: this.opts.timeoutMs,
      headers,
      signal,
    });
  }
}

/** The signature headers for a body; receivers recompute it over `<timestamp>.<body>` and compare. */
export function signWebhook(secret: string, body: string, at: number): Record<string, string> {
  const timestamp = String(at);
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return { 'x-medic-timestamp': timestamp, 'x-medic-signature': `sha256=${mac}` };
}
