export { LogNotifier } from './log.js';
export type { Notification, NotificationEvent, Notifier } from './notifier.js';
export { redactDeep, redactSecrets } from './redact.js';
export { createNotifier, NotifyRouter, type SendResult } from './router.js';
export { WebhookNotifier, type WebhookOptions } from './webhook.js';
