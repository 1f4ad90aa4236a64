import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../core/index.js';
import { diagnose } from './combine.js';
import type { EvidenceBundle } from './evidence.js';
import { LlmDiagnoser } from './llm.js';
import { type FakeModel, startModel } from './model.fixture.js';

let server: FakeModel | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const T = Date.UTC(2026, 0, 1, 12);
const playbooks = { db_unreachable: ['restart-db'], hung: ['restart-api'], rate_limited: ['slow-down'] };
const context = { service: 'api', title: 'api is down', openedAt: T, timeline: [], logs: [] };

// Connection refused with the dependency down, but the dependency not named: 0.8, below the 0.85 threshold.
const unsure: EvidenceBundle = {
  service: 'api',
  at: T,
  findings: [],
  logs: [{ at: T, line: 'connect ECONNREFUSED' }],
  dependencies: [{ service: 'db', healthy: false }],
};
const sure: EvidenceBundle = {
  ...unsure,
  dependencies: [{ service: 'db', healthy: false, addresses: ['ECONNREFUSED'] }],
};

async function llmSaying(answer: object) {
  server = await startModel(() => JSON.stringify(answer));
  return new LlmDiagnoser({ baseURL: server.baseURL, model: 'm', timeoutMs: 2000 }, new SimulatedClock());
}

describe('diagnose', () => {
  it('uses the rules alone when no LLM is configured', async () => {
    const r = await diagnose(unsure, { playbooks });
    expect(r).toMatchObject({ best: { cause: 'db_unreachable', confidence: 0.8, target: 'db' }, llm: null });
  });

  it('does not ask the model when a rule is sure', async () => {
    const diagnoser = await llmSaying({ cause: 'hung', confidence: 0.9, summary: 'x', playbook: null });
    const r = await diagnose(sure, { playbooks, llm: { diagnoser, context } });
    expect(r.best?.confidence).toBe(0.92);
    expect(server?.requests).toHaveLength(0);
  });

  it('lets an agreeing model lift a rule by at most 0.1, its playbook first', async () => {
    const diagnoser = await llmSaying({
      cause: 'db_unreachable',
      confidence: 0.99,
      summary: 'db refuses',
      playbook: 'restart-db',
    });
    const r = await diagnose(unsure, { playbooks, llm: { diagnoser, context } });
    expect(r.best).toMatchObject({ cause: 'db_unreachable', confidence: 0.9, playbooks: ['restart-db'] });
    expect(r.best?.evidence.at(-1)).toBe('LLM (m, 0.99): db refuses');
    const format = JSON.stringify(server?.requests[0]?.body['response_format']);
    expect(format).toContain('"enum":["restart-db","restart-api","slow-down"]');
  });

  it('caps a cause only the model saw below the auto threshold', async () => {
    const diagnoser = await llmSaying({
      cause: 'rate_limited',
      confidence: 0.95,
      summary: 'quota',
      playbook: null,
    });
    const r = await diagnose(
      { service: 'api', at: T, findings: [] },
      { playbooks, llm: { diagnoser, context } },
    );
    expect(r.best).toEqual({
      cause: 'rate_limited',
      confidence: 0.7,
      evidence: ['LLM (m, 0.95): quota'],
      playbooks: ['slow-down'],
    });
  });

  it('keeps the rules when the model answer is discarded', async () => {
    const diagnoser = await llmSaying({ cause: 'hung', confidence: 0.9, summary: 'x', playbook: 'rm -rf /' });
    const r = await diagnose(unsure, { playbooks, llm: { diagnoser, context } });
    expect(r.best).toMatchObject({ cause: 'db_unreachable', confidence: 0.8 });
    expect(r.llm).toMatchObject({ ok: false, reason: expect.stringContaining('not in the allowed list') });
  });
});
