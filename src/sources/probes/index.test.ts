import { describe, expect, it } from 'vitest';
import { probes, runProbe } from './index.js';
import { check, context } from './testing.fixture.js';

describe('probe registry', () => {
  it('registers each probe kind under its config key', () => {
    expect(probes.names().sort()).toEqual([
      'command',
      'disk',
      'docker',
      'host',
      'http',
      'kubernetes',
      'postgres',
      'process',
      'queue',
      'redis',
      'tcp',
      'tls',
    ]);
    for (const name of probes.names()) expect(probes.get(name).kind).toBe(name);
  });

  it('runProbe picks the probe the check names', async () => {
    const r = await runProbe(
      check({ command: { command: [process.execPath, '-e', 'console.log("hi")'] } }),
      context(),
    );
    expect(r).toMatchObject({ ok: true, message: 'exit 0: hi' });
  });
});
