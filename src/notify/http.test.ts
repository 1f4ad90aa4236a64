import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { notification, type Receiver, startReceiver } from './notify.fixture.js';
import { PagerDutyNotifier } from './pagerduty.js';
import { WebhookNotifier } from './webhook.js';

const receivers: Receiver[] = [];
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

/** A receiver that answers every POST with a redirect to `to` (another port: another origin). */
async function redirecting(status: number, to: string): Promise<Receiver> {
  const r = await startReceiver((_req, res) => {
    res.statusCode = status;
    res.setHeader('location', to);
    res.end();
  });
  receivers.push(r);
  return r;
}

describe('postJson (webhook, Slack, PagerDuty)', () => {
  it.each([307, 308, 302])(
    'does not follow a %i to another origin: the token and body stay home',
    async (status) => {
      const elsewhere = await startReceiver();
      receivers.push(elsewhere);
      const hook = await redirecting(status, `${elsewhere.url}?from=medic`);
      const webhook = new WebhookNotifier({
        name: 'ops',
        url: hook.url,
        headers: { 'x-medic-token': 'tok-secret' },
        timeoutMs: 2000,
      });
      await expect(webhook.send(notification())).rejects.toThrow(
        new RegExp(
          `webhook ops \\(http://127\\.0\\.0\\.1:\\d+\\): HTTP ${status} redirect to http://127\\.0\\.0\\.1:\\d+ not followed`,
        ),
      );
      const pd = new PagerDutyNotifier({
        name: 'pd',
        routingKey: 'R0123456789ABCDEF0123456789ABCDE',
        baseUrl: hook.url.replace('/hook', ''),
        timeoutMs: 2000,
      });
      await expect(pd.send(notification())).rejects.toThrow(/redirect .* not followed/);
      expect(hook.received).toHaveLength(2);
      await new Promise((r) => setTimeout(r, 100));
      expect(elsewhere.received).toEqual([]);
    },
  );

  it('reads a bounded part of an answer that never ends, and returns', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(500);
      const chunk = 'x'.repeat(8192);
      const pump = () => {
        while (res.write(chunk)) {
          // fill until the socket pushes back
        }
        res.once('drain', pump);
      };
      pump();
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const webhook = new WebhookNotifier({ name: 'ops', url, timeoutMs: 3000 });
    const started = Date.now();
    await expect(webhook.send(notification())).rejects.toThrow(/HTTP 500: x{10}/);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
