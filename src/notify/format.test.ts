import { describe, expect, it } from 'vitest';
import { messageParts, plainText } from './format.js';
import { notification } from './notify.fixture.js';
import { slackMessage } from './slack.js';

describe('messageParts for action events', () => {
  const waiting = notification({
    event: 'action.awaiting_approval',
    title: 'api: restart-api waits for approval',
    data: {
      approve: { actionId: 'act_7', cli: 'medic approve act_7', api: 'POST /api/actions/act_7/approve' },
      waitingFor: 'approval: medic approve act_7',
    },
  });

  it('links a heal waiting for approval to where it is approved', () => {
    const p = messageParts(waiting, 'http://medic:7070/');
    expect(p.link).toBe('http://medic:7070/#/actions?approve=act_7');
    expect(p.linkText).toBe('Approve or reject');
    expect(p.facts).toContainEqual(['Event', 'waits for approval']);
    expect(plainText(p)).toContain('Approve or reject: http://medic:7070/#/actions?approve=act_7');
    expect(plainText(p)).toContain('Waiting for: approval: medic approve act_7');
    const button = JSON.stringify(slackMessage(p, waiting.at));
    expect(button).toContain('"text":"Approve or reject"');
  });

  it('links anything else to its incident', () => {
    const p = messageParts(notification({ event: 'action.failed' }), 'http://medic:7070');
    expect(p.link).toBe('http://medic:7070/incidents/inc_1');
    expect(p.linkText).toBe('Open incident');
    expect(p.facts).toContainEqual(['Event', 'action failed']);
    expect(messageParts(waiting).link).toBeNull();
  });
});
