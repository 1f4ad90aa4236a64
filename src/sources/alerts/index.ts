/** External alerts: Alertmanager's webhook payload, validated and mapped to findings and resolutions. */
export * from './alert-checks.js';
export * from './alertmanager.js';
