import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { notification, type Receiver, startReceiver } from './notify.fixture.js';
import { signWebhook, WebhookNotifier } from './webhook.js';

let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

describe('WebhookNotifier', () => {
  it('POSTs the notification as JSON with the configured headers', async () => {
    receiver = await startReceiver();
    const hook = new WebhookNotifier({
      name: 'ops',
      url: receiver.url,
      headers: { 'x-medic-token': 't1' },
      timeoutMs: 2000,
    });
    await hook.send(notification());
    expect(receiver.received).toHaveLength(1);
    const got = receiver.received[0];
    expect(got?.method).toBe('POST');
    expect(got?.url).toBe('/hook');
    expect(got?.headers['content-type']).toBe('application/json');
    expect(got?.headers['x-medic-token']).toBe('t1');
    expect(got?.body).toEqual(notification());
  });

  it('signs the body with HMAC-SHA256 over timestamp and body when given a secret', async () => {
    receiver = await startReceiver();
    const hook = new WebhookNotifier({ name: 'ops', url: receiver.url, timeoutMs: 2000, secret: 'shh' });
    await hook.send(notification());
    const got = receiver.received[0];
    const at = String(notification().at);
    const expected = createHmac('sha256', 'shh')
      .update(`${at}.${JSON.stringify(notification())}`)
      .digest('hex');
    expect(got?.headers['x-medic-timestamp']).toBe(at);
    expect(got?.headers['x-medic-signature']).toBe(`sha256=${expected}`);
    expect(signWebhook('other', '{}', 1)['x-medic-signature']).not.toBe(got?.headers['x-medic-signature']);
  });

  it('throws with the status on a non-2xx answer', async () => {
    receiver = await startReceiver((_req, res) => {
      res.statusCode = 503;
      res.end('busy');
    });
    const hook = new WebhookNotifier({ name: 'ops', url: receiver.url, timeoutMs: 2000 });
    await expect(hook.send(notification())).rejects.toThrow(
      /webhook ops \(http:\/\/127\.0\.0\.1:\d+\): HTTP 503: busy/,
    );
  });

  it('gives up after its timeout', async () => {
    receiver = await startReceiver(() => {
      // never answers
    });
    const hook = new WebhookNotifier({ name: 'ops', url: receiver.url, timeoutMs: 100 });
    const started = Date.now();
    await expect(hook.send(notification())).rejects.toThrow(/timed out after 100ms/);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('reports a refused connection', async () => {
    receiver = await startReceiver();
    const url = receiver.url;
    await receiver.close();
    receiver = undefined;
    const hook = new WebhookNotifier({ name: 'ops', url, timeoutMs: 1000 });
    await expect(hook.send(notification())).rejects.toThrow(/ECONNREFUSED/);
  });
});
