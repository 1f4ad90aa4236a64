import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Action, Incident } from '../src/core/index.js';
import type { Medic } from '../src/daemon/index.js';
import { DEMO, demoConfig, freePort, tempDir, waitFor, webhookReceiver } from './helpers.js';
import { medicPerTest } from './incidents-helpers.js';

/** `correlation.new_failure_after` here: shorter than its default (30 s), which the test would sleep through. */
const NEW_FAILURE_AFTER = 5_000;

const start = medicPerTest();
const PROXY = path.join(import.meta.dirname, 'proxy.fixture.mjs');
const node = JSON.stringify(process.execPath);

/** app (the demo service) behind proxy: the proxy's check fails fast, the app's own check slowly. */
function stackYaml(o: {
  app: number;
  proxy: number;
  hook: string;
  extra?: string;
  policy?: string;
  proxyUpAfter?: number;
}): string {
  return `services:
  app:
    run:
      command: [${node}, ${JSON.stringify(DEMO)}]
      env: { PORT: "${o.app}" }
      stop_timeout: 2s
    checks:
      - name: health
        http: { url: "http://127.0.0.1:${o.app}/health" }
        interval: 1s
        timeout: 500ms
        down_after: 2
  proxy:
    depends_on: [app]
    run:
      command: [${node}, ${JSON.stringify(PROXY)}]
      env: { PORT: "${o.proxy}", UPSTREAM: "http://127.0.0.1:${o.app}" }
      stop_timeout: 2s
    checks:
      - name: through
        http: { url: "http://127.0.0.1:${o.proxy}/health" }
        interval: 250ms
        timeout: 250ms
        down_after: 1
        up_after: ${o.proxyUpAfter ?? 1}
playbooks:
  restart-app:
    when: { service: app, kind: down }
    steps: [{ restart: {}, timeout: 10s }]
    verify: { within: 10s, stable_for: 500ms }
  restart-proxy:
    when: { service: proxy, kind: down }
    steps: [{ restart: {}, timeout: 10s }]
    verify: { within: 4s, stable_for: 500ms }
policy:
  backoff: { initial: 500ms, factor: 2, max: 2s }
  rate_limit: { max_actions: 100, window: 1h }
${o.policy ?? ''}
correlation:
  max_changes_per_hour: 1
  release_after: 2s
  new_failure_after: ${NEW_FAILURE_AFTER / 1000}s
notifiers:
  - webhook: { url: "${o.hook}" }
    events: [incident.opened, incident.resolved, incident.escalated, incident.flapping]
    group_wait: 0s # each notice as it is decided: the test reads them in order
    group_interval: 0s
store: { dir: ./data }
${o.extra ?? ''}`;
}

/**
 * The stack with a proxy Medic cannot heal (a check on a port nothing listens on): one failed heal escalates
 * it and its playbooks stop. Returns once the escalation was sent.
 */
async function escalatedProxy(): Promise<{
  m: Medic;
  hook: Awaited<ReturnType<typeof webhookReceiver>>;
  escalated: Incident;
}> {
  const dir = await tempDir();
  const hook = await webhookReceiver();
  const yaml = stackYaml({
    app: await freePort(),
    proxy: await freePort(),
    hook: hook.url,
    policy: '  max_failed_heals: 1',
  }).replace(
    /(proxy:\n {4}depends_on: \[app\][\s\S]*?checks:\n)/,
    '$1      - name: dead\n        tcp: { host: 127.0.0.1, port: 9 }\n        interval: 250ms\n        timeout: 200ms\n        down_after: 1\n',
  );
  const m = await start(dir, yaml);
  const escalated = await waitFor(
    'the proxy escalated',
    async () => (await m.store.listIncidents({ service: 'proxy', state: 'escalated' })).items[0],
    30_000,
  );
  await waitFor('the escalation sent', () =>
    hook.events().some((e) => e.event === 'incident.escalated' && e.service === 'proxy'),
  );
  return { m, hook, escalated };
}

async function allHealthy(m: Medic): Promise<boolean> {
  for (const s of ['app', 'proxy']) {
    if (m.health.get(s) !== 'healthy' || m.engine.busy(s) || (await m.store.activeIncident(s))) return false;
  }
  return true;
}

async function actionsSince(m: Medic, since: number): Promise<Action[]> {
  return (await m.store.listActions({ since, limit: 200 })).items.filter((a) => !a.dryRun);
}

describe('a bad hour: the same fault again, on a stack with a proxy in front', () => {
  it('the second and third hang of the app behind the proxy heal the app, never the proxy, though the app flaps', async () => {
    const dir = await tempDir();
    const hook = await webhookReceiver();
    const m = await start(dir, stackYaml({ app: await freePort(), proxy: await freePort(), hook: hook.url }));
    const flaps: string[] = [];
    m.bus.on('flapping', (e) => flaps.push(e.service));
    await waitFor('the stack healthy', () => allHealthy(m), 20_000);

    for (const round of [1, 2, 3]) {
      const t0 = Date.now();
      const pid = m.supervisor.pid('app')!;
      process.kill(pid, 'SIGSTOP');
      try {
        // Healed: the app runs as a new process, both healthy, no incident open.
        await waitFor(
          `round ${round} healed`,
          async () => m.supervisor.pid('app') !== pid && (await allHealthy(m)),
          30_000,
        );
      } finally {
        try {
          process.kill(pid, 'SIGCONT');
        } catch {
          // Restarted by Medic: gone already.
        }
      }
      const acted = await actionsSince(m, t0);
      expect(
        acted.filter((a) => a.service === 'proxy'),
        `round ${round}: no action on the proxy`,
      ).toEqual([]);
      expect(acted.some((a) => a.service === 'app' && a.state === 'verified')).toBe(true);
      const { items } = await m.store.listIncidents({ since: t0 });
      expect(items.length).toBeGreaterThan(0);
      for (const i of items) expect(i.rootCause, `round ${round} root cause`).toBe('app');
    }
    // Round three found the app flapping (limit 1 change an hour; each healed hang is one): said so, healed
    // anyway. The proxy's failures followed from the app's, so they are not its own flapping.
    expect(flaps).toContain('app');
    expect(flaps).not.toContain('proxy');
    await waitFor('the flapping notification', () =>
      hook.events().some((e) => e.event === 'incident.flapping'),
    );
    hook.close();
  }, 90_000);

  it("a hang right after the app's heal, while its incident is still open for the proxy, is healed again", async () => {
    const dir = await tempDir();
    const hook = await webhookReceiver();
    // The proxy counts 5 s of passing checks before it is healthy again: the incident stays open meanwhile.
    const yaml = stackYaml({
      app: await freePort(),
      proxy: await freePort(),
      hook: hook.url,
      proxyUpAfter: 20,
    });
    const m = await start(dir, yaml);
    await waitFor('the stack healthy', () => allHealthy(m), 20_000);
    const t0 = Date.now();
    const first = m.supervisor.pid('app')!;
    const stopped = [first];
    try {
      process.kill(first, 'SIGSTOP');
      await waitFor(
        'the first hang healed',
        () => m.supervisor.pid('app') !== first && m.health.get('app') === 'healthy',
        20_000,
      );
      const open = await m.store.activeIncident('app');
      expect(open, 'the incident is still open for the proxy').not.toBeNull();
      const second = m.supervisor.pid('app')!;
      stopped.push(second);
      process.kill(second, 'SIGSTOP');
      const verified = async () =>
        (await actionsSince(m, t0)).filter((a) => a.service === 'app' && a.state === 'verified');
      await waitFor(
        'the second hang healed',
        async () => m.supervisor.pid('app') !== second && (await verified()).length >= 2,
        20_000,
      );
      const heals = await verified();
      // Both in the incident still open for the proxy: the second hang was not taken for the first.
      expect(heals.filter((a) => a.incidentId === open!.id)).toHaveLength(heals.length);
    } finally {
      for (const pid of stopped) {
        try {
          process.kill(pid, 'SIGCONT');
        } catch {
          // Restarted by Medic: gone already.
        }
      }
      hook.close();
    }
  }, 60_000);

  it('an escalated service that is then killed is started again, and the new failure is sent', async () => {
    const { m, hook, escalated } = await escalatedProxy();
    const sentBefore = hook.events().filter((e) => e.event === 'incident.escalated').length;
    const pid = m.supervisor.pid('proxy')!;
    const t0 = Date.now();
    process.kill(pid, 'SIGKILL');
    // Supervision goes on after an escalation: the process is started again (keepalive, journaled).
    await waitFor(
      'the proxy running again',
      () => {
        const now = m.supervisor.pid('proxy');
        return now !== null && now !== pid;
      },
      20_000,
    );
    const keep = (await actionsSince(m, t0)).filter((a) => a.service === 'proxy');
    expect(keep.map((a) => [a.playbook, a.kind])).toContainEqual(['keepalive', 'restart']);
    // The exit is a failure the incident had not seen: the human already asked is told about it.
    await waitFor(
      'the new failure sent',
      () => hook.events().filter((e) => e.event === 'incident.escalated').length > sentBefore,
    );
    const news = hook
      .events()
      .filter((e) => e.event === 'incident.escalated')
      .slice(sentBefore);
    expect(news.some((e) => /new failure/.test(e.message))).toBe(true);
    const still = await m.store.getIncident(escalated.id);
    expect(still?.state).toBe('escalated');
    hook.close();
  }, 60_000);

  it("an escalated service's incident stays the human's while its upstream's fault is healed in it", async () => {
    const { m, hook, escalated } = await escalatedProxy();
    const sentBefore = hook.events().length;
    // The app it depends on crashes: the incident's root moves to the app, whose heal runs and verifies.
    const pid = m.supervisor.pid('app')!;
    const t0 = Date.now();
    process.kill(pid, 'SIGKILL');
    await waitFor(
      "the app's heal verified",
      async () =>
        (await actionsSince(m, t0)).some(
          (a) => a.service === 'app' && a.playbook === 'restart-app' && a.state === 'verified',
        ),
      30_000,
    );
    await m.findings.idle();
    // The proxy still fails and its heal is still held: the incident never stopped being the human's (its
    // state never said a heal was on its way for everyone), the app's heal is on its timeline, and the human
    // heard of the new failure.
    const active = await m.store.activeIncident('proxy');
    expect(active?.id).toBe(escalated.id);
    expect(active?.state).toBe('escalated');
    const timeline = (await m.store.timeline(escalated.id)).filter((e) => e.at >= t0);
    expect(timeline.filter((e) => e.kind === 'transition')).toEqual([]);
    expect(
      timeline.some((e) => /restart-app.*stays escalated: proxy waits for a human/.test(e.message)),
    ).toBe(true);
    await waitFor('the new failure sent', () =>
      hook
        .events()
        .slice(sentBefore)
        .some((e) => e.event === 'incident.escalated' && /new failure/.test(e.message)),
    );
    // The app crashes again, healthy since its heal: the same check fails as before, yet it is a new failure
    // of a member of the escalated incident, and the human hears of it too (Medic heals it again).
    await waitFor('the app healthy', () => m.health.get('app') === 'healthy', 20_000);
    // Healthy long enough for its next failure to be news (a crash loop's moments up between starts are not).
    await new Promise((r) => setTimeout(r, NEW_FAILURE_AFTER + 1_000));
    const sentAgain = hook.events().length;
    const t1 = Date.now();
    process.kill(m.supervisor.pid('app')!, 'SIGKILL');
    await waitFor('the second crash sent', () =>
      hook
        .events()
        .slice(sentAgain)
        .some((e) => e.event === 'incident.escalated' && /new failure.*app/.test(e.message)),
    );
    await waitFor(
      "the app's second heal verified",
      async () =>
        (await actionsSince(m, t1)).some(
          (a) => a.service === 'app' && a.playbook === 'restart-app' && a.state === 'verified',
        ),
      30_000,
    );
    hook.close();
  }, 150_000);

  it('the fifth crash within the hour, and every one after the flapping limit, is healed with a growing delay', async () => {
    const dir = await tempDir();
    const hook = await webhookReceiver();
    const yaml = demoConfig({ demoPort: await freePort(), policy: '  backoff: { initial: 1s }' }).replace(
      'notifiers: []',
      `notifiers:\n  - webhook: { url: "${hook.url}" }\n    events: [incident.flapping]\n    group_wait: 0s\n    group_interval: 0s`,
    );
    const m = await start(dir, yaml);
    await waitFor(
      'demo healthy',
      async () => m.health.get('demo') === 'healthy' && !(await m.store.activeIncident('demo')),
      20_000,
    );
    // Time from each crash to the heal's restart: the delay Medic chose.
    const delays: number[] = [];
    for (let crash = 1; crash <= 9; crash++) {
      const pid = m.supervisor.pid('demo')!;
      const t0 = Date.now();
      process.kill(pid, 'SIGKILL');
      await waitFor(
        `crash ${crash} healed`,
        async () =>
          m.supervisor.pid('demo') !== pid &&
          m.health.get('demo') === 'healthy' &&
          !m.engine.busy('demo') &&
          !(await m.store.activeIncident('demo')),
        40_000,
      );
      const heal = (await actionsSince(m, t0)).find(
        (a) => a.service === 'demo' && a.playbook === 'restart-demo',
      );
      expect(heal, `crash ${crash}: healed by its playbook`).toBeDefined();
      expect(heal!.state).toBe('verified');
      delays.push(heal!.createdAt - t0);
    }
    // Six changes an hour is the limit, and a crash Medic heals is one change (the heal's own are not
    // counted): the first seven crashes heal at once, then each delay grows; none is held back.
    for (const d of delays.slice(0, 7)) expect(d).toBeLessThan(1_000);
    expect(delays[7]!).toBeGreaterThanOrEqual(1_000);
    expect(delays[8]!).toBeGreaterThan(delays[7]!);
    await waitFor('the flapping notification', () =>
      hook.events().some((e) => e.event === 'incident.flapping'),
    );
    hook.close();
  }, 120_000);

  it('an upstream with no checks of its own, stopped, is the root cause of its dependent failing', async () => {
    const dir = await tempDir();
    const hook = await webhookReceiver();
    const [backend, front] = [await freePort(), await freePort()];
    const m = await start(
      dir,
      `services:
  backend:
    run:
      command: [${node}, ${JSON.stringify(DEMO)}]
      env: { PORT: "${backend}" }
      stop_timeout: 2s
  front:
    depends_on: [backend]
    run:
      command: [${node}, ${JSON.stringify(PROXY)}]
      env: { PORT: "${front}", UPSTREAM: "http://127.0.0.1:${backend}" }
      stop_timeout: 2s
    checks:
      - name: through
        http: { url: "http://127.0.0.1:${front}/health" }
        interval: 250ms
        timeout: 250ms
        down_after: 1
playbooks:
  restart-any:
    when: { service: "*", kind: down }
    steps: [{ restart: {}, timeout: 10s }]
    verify: { within: 10s, stable_for: 500ms }
policy:
  backoff: { initial: 500ms, factor: 2, max: 2s }
notifiers:
  - webhook: { url: "${hook.url}" }
    group_wait: 0s
    group_interval: 0s
store: { dir: ./data }
`,
    );
    const healthy = async () =>
      m.health.get('front') === 'healthy' &&
      m.health.get('backend') === 'healthy' &&
      !(await m.store.activeIncident('front')) &&
      !(await m.store.activeIncident('backend'));
    await waitFor('the stack healthy', healthy, 20_000);
    const pid = m.supervisor.pid('backend')!;
    const t0 = Date.now();
    process.kill(pid, 'SIGSTOP');
    try {
      await waitFor('healed', async () => m.supervisor.pid('backend') !== pid && (await healthy()), 30_000);
    } finally {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // Restarted by Medic: gone already.
      }
    }
    const acted = await actionsSince(m, t0);
    expect(acted.filter((a) => a.service === 'front')).toEqual([]);
    expect(acted.some((a) => a.service === 'backend' && a.state === 'verified')).toBe(true);
    const { items } = await m.store.listIncidents({ since: t0 });
    for (const i of items) expect(i.rootCause).toBe('backend');
    const timeline = (await Promise.all(items.map((i) => m.store.timeline(i.id)))).flat();
    expect(timeline.some((t) => t.kind === 'finding' && /backend is stopped/.test(t.message))).toBe(true);
    hook.close();
  }, 60_000);
});
