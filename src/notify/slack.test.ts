import { afterEach, describe, expect, it } from 'vitest';
import { notification, type Receiver, startReceiver } from './notify.fixture.js';
import { SlackNotifier } from './slack.js';

let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

/** What Slack's incoming webhook checks before it answers "ok" (a subset of Block Kit's rules). */
function slackAccepts(body: unknown): string | null {
  const b = body as { text?: unknown; blocks?: Record<string, unknown>[] };
  if (typeof b.text !== 'string' || !Array.isArray(b.blocks) || b.blocks.length > 50)
    return 'invalid_payload';
  for (const block of b.blocks) {
    const text = block['text'] as { type?: string; text?: string } | undefined;
    if (block['type'] === 'header' && (text?.type !== 'plain_text' || (text.text?.length ?? 0) > 150))
      return 'invalid_blocks';
    if (block['type'] === 'section' && !text && !Array.isArray(block['fields'])) return 'invalid_blocks';
    if (text && (text.text?.length ?? 0) > 3000) return 'invalid_blocks';
  }
  return null;
}

describe('SlackNotifier', () => {
  it('posts Block Kit that says what happened, what Medic did, what it waits for, and links', async () => {
    receiver = await startReceiver((_req, res) => res.end('ok'));
    const slack = new SlackNotifier({
      name: 'team',
      url: receiver.url,
      timeoutMs: 2000,
      linkBase: 'http://medic:7070/',
    });
    await slack.send(
      notification({
        title: 'db is down <and> api follows',
        message: 'db refuses connections; api and web fail because of it',
        data: {
          severity: 'critical',
          cause: 'db_unreachable',
          did: ['restarted db (pid 4711)'],
          waitingFor: 'db to pass its checks for 30s',
        },
      }),
    );
    const got = receiver.received[0];
    expect(got?.headers['content-type']).toBe('application/json');
    expect(slackAccepts(got?.body)).toBeNull();
    const body = got?.body as { text: string; blocks: Record<string, unknown>[] };
    expect(body.text).toBe(
      'db is down <and> api follows: db refuses connections; api and web fail because of it',
    );
    expect(body.blocks.map((b) => b['type'])).toEqual([
      'header',
      'section',
      'section',
      'section',
      'section',
      'actions',
      'context',
    ]);
    expect(body.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: 'db is down <and> api follows', emoji: true },
    });
    expect(body.blocks[2]?.['fields']).toEqual([
      { type: 'mrkdwn', text: '*Service*\napi' },
      { type: 'mrkdwn', text: '*Event*\nincident opened' },
      { type: 'mrkdwn', text: '*Severity*\ncritical' },
      { type: 'mrkdwn', text: '*Cause*\ndb_unreachable' },
      { type: 'mrkdwn', text: '*Incident*\ninc_1' },
    ]);
    expect(body.blocks[3]).toEqual({
      type: 'section',
      text: { type: 'mrkdwn', text: '*What Medic did*\n• restarted db (pid 4711)' },
    });
    expect(body.blocks[4]).toEqual({
      type: 'section',
      text: { type: 'mrkdwn', text: '*Waiting for*\ndb to pass its checks for 30s' },
    });
    expect(body.blocks[5]).toEqual({
      type: 'actions',
      elements: [
        {
          type: 'button',
          text: { type: 'plain_text', text: 'Open incident' },
          url: 'http://medic:7070/incidents/inc_1',
        },
      ],
    });
    expect(JSON.stringify(body.blocks[6])).toContain(
      '<!date^1767225600^{date_short_pretty} {time_secs}|2026-01-01T00:00:00.000Z>',
    );
  });

  it('escapes mrkdwn control characters and clips a long header', async () => {
    receiver = await startReceiver();
    await new SlackNotifier({ name: 't', url: receiver.url, timeoutMs: 2000 }).send(
      notification({ title: 'x'.repeat(300), message: 'a <b> & c' }),
    );
    const body = receiver.received[0]?.body as { blocks: { text?: { text: string } }[] };
    expect(body.blocks[0]?.text?.text).toHaveLength(150);
    expect(body.blocks[1]?.text?.text).toBe('a &lt;b&gt; &amp; c');
    expect(slackAccepts(body)).toBeNull();
  });

  it("reports Slack's refusal without the hook's secret path", async () => {
    receiver = await startReceiver((_req, res) => {
      res.statusCode = 404;
      res.end('no_service');
    });
    const url = receiver.url.replace('/hook', '/services/T000/B000/SECRETSECRET');
    const slack = new SlackNotifier({ name: 'team', url, timeoutMs: 2000 });
    const err = await slack.send(notification()).catch((e: Error) => e);
    expect(String(err)).toMatch(/slack team \(http:\/\/127\.0\.0\.1:\d+\): HTTP 404: no_service/);
    expect(String(err)).not.toContain('SECRETSECRET');
  });
});
