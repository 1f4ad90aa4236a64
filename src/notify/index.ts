export { type BackoffOptions, backoffMs, DEFAULT_BACKOFF, isPermanent } from './backoff.js';
export {
  CHANNEL_KINDS,
  type ChannelContext,
  type ChannelKind,
  type ChannelOptionsMap,
  channelKindOf,
  createChannel,
} from './channels.js';
export { EmailNotifier, type EmailOptions } from './email.js';
export { approvalLink, incidentLink, type MessageParts, messageParts, plainText } from './format.js';
export { type PostAnswer, type PostOptions, postJson } from './http.js';
export { LogNotifier } from './log.js';
export type { Notification, NotificationEvent, Notifier } from './notifier.js';
export {
  notificationKey,
  Outbox,
  type OutboxOptions,
  type OutboxReplica,
  type OutboxStore,
} from './outbox.js';
export { PagerDutyNotifier, type PagerDutyOptions, pagerDutyEvent } from './pagerduty.js';
export { redactDeep, redactSecrets } from './redact.js';
export { createNotifier, type NotificationSink, NotifyRouter, type SendResult } from './router.js';
export { SlackNotifier, type SlackOptions, slackMessage } from './slack.js';
export { signWebhook, WebhookNotifier, type WebhookOptions } from './webhook.js';
