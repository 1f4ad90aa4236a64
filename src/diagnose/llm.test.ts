import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../core/index.js';
import { LlmDiagnoser, type LlmInput, llmToDiagnosis } from './llm.js';
import { type FakeModel, startModel } from './model.fixture.js';

let server: FakeModel | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const SECRETS = ['hunter2', 's3cr3t', 'abcdef1234567890XYZ', 'alice@example.com', 'AKIAIOSFODNN7EXAMPLE'];

const input: LlmInput = {
  service: 'api',
  title: 'api is down',
  openedAt: Date.UTC(2026, 0, 1, 12),
  timeline: [
    { at: Date.UTC(2026, 0, 1, 12), kind: 'finding', message: 'GET /health answered 500' },
    {
      at: Date.UTC(2026, 0, 1, 12, 0, 5),
      kind: 'note',
      message: 'retrying with postgres://app:s3cr3t@db:5432/app',
    },
  ],
  logs: [
    { at: Date.UTC(2026, 0, 1, 11, 59), line: 'Error: connect ECONNREFUSED 127.0.0.1:5432 password=hunter2' },
    {
      at: Date.UTC(2026, 0, 1, 11, 59),
      line: 'Authorization: Bearer abcdef1234567890XYZ for alice@example.com',
    },
    { at: Date.UTC(2026, 0, 1, 11, 59), line: 'aws key AKIAIOSFODNN7EXAMPLE loaded' },
  ],
  rules: [
    {
      cause: 'db_unreachable',
      confidence: 0.8,
      evidence: ['db fails its checks'],
      playbooks: ['restart-db'],
    },
  ],
  allowedPlaybooks: ['restart-db', 'restart-api'],
};

const good = JSON.stringify({
  cause: 'db_unreachable',
  confidence: 0.83,
  summary: 'The database refuses connections; the API fails because of it.',
  playbook: 'restart-db',
});

function diagnoser(baseURL: string, clock = new SimulatedClock(), timeoutMs = 2000) {
  return new LlmDiagnoser({ baseURL, model: 'llama3.1:8b', apiKey: 'k-test', timeoutMs }, clock);
}

describe('LlmDiagnoser', () => {
  it('sends a redacted prompt in the chat-completions format and accepts a valid answer', async () => {
    server = await startModel(() => good);
    const result = await diagnoser(server.baseURL).diagnose(input);
    expect(result).toEqual({
      ok: true,
      model: 'llama3.1:8b',
      diagnosis: {
        cause: 'db_unreachable',
        confidence: 0.83,
        summary: 'The database refuses connections; the API fails because of it.',
        playbook: 'restart-db',
      },
    });
    const [req] = server.requests;
    expect(req?.path).toBe('/v1/chat/completions');
    expect(req?.auth).toBe('Bearer k-test');
    expect(req?.body).toMatchObject({ model: 'llama3.1:8b', temperature: 0 });
    const format = req?.body['response_format'] as {
      type: string;
      json_schema: { schema: { properties: object } };
    };
    expect(format.type).toBe('json_schema');
    expect(format.json_schema.schema.properties).toMatchObject({
      playbook: { anyOf: [{ enum: ['restart-db', 'restart-api'] }, { type: 'null' }] },
    });
    const messages = req?.body['messages'] as { role: string; content: string }[];
    expect(messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(messages[1]?.content).toContain('ECONNREFUSED 127.0.0.1:5432');
    expect(messages[1]?.content).toContain('db_unreachable (0.8)');
    const wire = JSON.stringify(req?.body);
    for (const secret of SECRETS) expect(wire).not.toContain(secret);
    expect(llmToDiagnosis(result as Extract<typeof result, { ok: true }>)).toEqual({
      cause: 'db_unreachable',
      confidence: 0.83,
      evidence: ['llama3.1:8b: The database refuses connections; the API fails because of it.'],
      playbooks: ['restart-db'],
    });
  });

  it.each([
    ['prose', 'The database is down, restart it.', /not JSON/],
    ['an empty answer', '', /empty/],
    [
      'a command',
      JSON.stringify({ ...JSON.parse(good), command: 'rm -rf /' }),
      /Unrecognized key: "command"/,
    ],
    [
      'a playbook not allowed',
      JSON.stringify({ ...JSON.parse(good), playbook: 'drop-tables' }),
      /"drop-tables" is not in the allowed list/,
    ],
    [
      'an unknown cause',
      JSON.stringify({ ...JSON.parse(good), cause: 'solar_flare' }),
      /unknown cause "solar_flare"/,
    ],
    [
      'a confidence out of range',
      JSON.stringify({ ...JSON.parse(good), confidence: 1.5 }),
      /confidence: Too big/,
    ],
    ['a missing field', JSON.stringify({ cause: 'hung', confidence: 0.5, playbook: null }), /summary: /],
  ])('discards %s with a reason', async (_what, content, reason) => {
    server = await startModel(() => content);
    const result = await diagnoser(server.baseURL).diagnose(input);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(/^LLM answer discarded: /);
    expect(!result.ok && result.reason).toMatch(reason);
  });

  it('accepts "unknown" and no playbook', async () => {
    server = await startModel(() =>
      JSON.stringify({ cause: 'unknown', confidence: 0.2, summary: 'Not enough evidence.', playbook: null }),
    );
    const result = await diagnoser(server.baseURL).diagnose(input);
    expect(result).toMatchObject({ ok: true, diagnosis: { cause: 'unknown', playbook: null } });
  });

  it('reports an HTTP error and a timeout without throwing, then opens its breaker', async () => {
    const clock = new SimulatedClock();
    let mode: 'error' | 'hang' | 'ok' = 'error';
    server = await startModel((_body, res) => {
      if (mode === 'ok') return good;
      if (mode === 'error') {
        res.statusCode = 500;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ error: { message: 'model crashed', type: 'server_error' } }));
      }
      return undefined; // hang
    });
    const llm = diagnoser(server.baseURL, clock, 300);
    const first = await llm.diagnose(input);
    expect(first).toMatchObject({ ok: false, reason: expect.stringMatching(/^LLM call failed: 500/) });
    mode = 'hang';
    const started = Date.now();
    expect(await llm.diagnose(input)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/timed out/i),
    });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await llm.diagnose(input)).toMatchObject({ ok: false });
    expect(server.requests).toHaveLength(3);
    mode = 'ok';
    expect(await llm.diagnose(input)).toEqual({ ok: false, reason: 'LLM breaker open for 300s more' });
    expect(server.requests).toHaveLength(3);
    await clock.advance(300_000);
    expect(await llm.diagnose(input)).toMatchObject({ ok: true });
  });
});
