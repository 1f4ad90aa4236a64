import { describe, expect, it } from 'vitest';
import { freePort, tempDir, waitFor, webhookReceiver } from './helpers.js';
import { medicPerTest } from './incidents-helpers.js';

const start = medicPerTest();

/**
 * memcached started as root without `-u` exits 64 and says why on stderr, once. The person told of the
 * incident reads that line in the notification, not only "exited with code 64".
 */
describe('a program that says why it will not start', () => {
  it('has its last stderr line in the finding and in the notification', async () => {
    const dir = await tempDir();
    const hook = await webhookReceiver();
    const port = await freePort();
    const yaml = `services:
  cache:
    run:
      command: [sh, -c, "echo starting; echo \\"can't run as root without the -u switch\\" >&2; exit 64"]
      stop_timeout: 1s
    checks:
      - tcp: { host: 127.0.0.1, port: ${port} }
        interval: 500ms
        timeout: 400ms
playbooks:
  restart-cache:
    when: { service: cache, kind: down }
    steps: [{ restart: {} }]
    verify: { within: 2s, stable_for: 500ms }
policy:
  max_failed_heals: 2
  backoff: { initial: 200ms, factor: 2, max: 1s }
notifiers:
  - webhook: { url: "${hook.url}" }
    group_wait: 0s
store: { dir: ./data }
`;
    try {
      const m = await start(dir, yaml);
      const incident = await waitFor(
        'the incident',
        async () => (await m.store.listIncidents({ service: 'cache' })).items[0],
        15_000,
      );
      const findings = await m.store.listFindings({ incidentId: incident.id, limit: 50 });
      expect(findings.some((f) => f.summary.endsWith("can't run as root without the -u switch"))).toBe(true);
      const opened = await waitFor('the opened notification', () =>
        hook.got.find((e) => e.event === 'incident.opened'),
      );
      expect(opened.message).toContain("exited with code 64: can't run as root without the -u switch");
    } finally {
      hook.close();
    }
  }, 30_000);
});
