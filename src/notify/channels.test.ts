import { afterEach, describe, expect, it } from 'vitest';
import { CHANNEL_KINDS, type ChannelKind, channelKindOf, createChannel } from './channels.js';
import { EmailNotifier } from './email.js';
import { LogNotifier } from './log.js';
import { memoryLogger, notification, type Receiver, startReceiver } from './notify.fixture.js';
import { PagerDutyNotifier } from './pagerduty.js';
import { SlackNotifier } from './slack.js';
import { WebhookNotifier } from './webhook.js';

let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

describe('createChannel', () => {
  it('builds each kind from its config block', () => {
    const { logger } = memoryLogger();
    const ctx = (name: string) => ({ name, logger, linkBase: 'http://medic:7070' });
    expect(createChannel('log', {}, ctx('l'))).toBeInstanceOf(LogNotifier);
    expect(
      createChannel('webhook', { url: 'http://x/h', timeout: 1000, secret: 's' }, ctx('w')),
    ).toBeInstanceOf(WebhookNotifier);
    expect(createChannel('slack', { url: 'http://x/s', timeout: 1000 }, ctx('s'))).toBeInstanceOf(
      SlackNotifier,
    );
    expect(createChannel('pagerduty', { routing_key: 'k', timeout: 1000 }, ctx('p'))).toBeInstanceOf(
      PagerDutyNotifier,
    );
    const mail = createChannel(
      'email',
      { host: 'h', port: 25, from: 'a@b.c', to: ['d@e.f'], timeout: 1000 },
      ctx('e'),
    );
    expect(mail).toBeInstanceOf(EmailNotifier);
    (mail as EmailNotifier).close();
    expect(createChannel('slack', { url: 'http://x/s', timeout: 1000 }, ctx('team')).name).toBe('team');
    expect(() => createChannel('fax' as ChannelKind, {} as never, ctx('f'))).toThrow(
      /unknown notifier kind "fax"/,
    );
  });

  it('wires the dashboard link into a channel', async () => {
    receiver = await startReceiver();
    const { logger } = memoryLogger();
    await createChannel(
      'slack',
      { url: receiver.url, timeout: 2000 },
      { name: 's', logger, linkBase: 'http://m' },
    ).send(notification());
    expect(JSON.stringify(receiver.received[0]?.body)).toContain('http://m/incidents/inc_1');
  });

  it('tells which kind a config block names', () => {
    expect(CHANNEL_KINDS).toEqual(['log', 'webhook', 'slack', 'pagerduty', 'email']);
    expect(channelKindOf({ slack: { url: 'x' }, events: [] })).toBe('slack');
    expect(channelKindOf({ slack: {}, email: {} })).toBeNull();
    expect(channelKindOf({ events: [] })).toBeNull();
  });
});
