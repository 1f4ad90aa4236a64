/**
 * The behaviour every Store must have, as a reusable vitest suite (sections in contract/). `open` must return a
 * store over an empty, migrated database; `cleanup`, if given, runs after each test once that store is closed.
 */
import { afterEach, beforeEach, describe } from 'vitest';
import { actionTransitionsContract } from './contract/action-transitions.js';
import { actionsContract } from './contract/actions.js';
import { auditContract } from './contract/audit.js';
import { bansContract } from './contract/bans.js';
import { ciHistoryContract } from './contract/ci-history.js';
import { dedupContract } from './contract/dedup.js';
import { healingContract } from './contract/healing.js';
import { incidentsContract } from './contract/incidents.js';
import { incidentsExtraContract } from './contract/incidents-extra.js';
import { logLineCountsContract } from './contract/log-line-counts.js';
import { logScanContract } from './contract/log-scan.js';
import { outboxContract } from './contract/outbox.js';
import { recordsContract } from './contract/records.js';
import { telemetryContract } from './contract/telemetry.js';
import type { Store } from './store.js';

export { actionFixture, incidentFixture } from './contract/fixtures.js';

export function storeContract(name: string, open: () => Promise<Store>, cleanup?: () => Promise<void>): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store | undefined;
    const current = (): Store => {
      if (!store) throw new Error('store not open');
      return store;
    };

    beforeEach(async () => {
      store = await open();
    });

    afterEach(async () => {
      await store?.close();
      store = undefined;
      await cleanup?.();
    });

    recordsContract(current);
    incidentsContract(current);
    dedupContract(current);
    actionsContract(current);
    actionTransitionsContract(current);
    auditContract(current);
    telemetryContract(current);
    healingContract(current);
    incidentsExtraContract(current);
    logLineCountsContract(current);
    logScanContract(current);
    outboxContract(current);
    bansContract(current);
    ciHistoryContract(current);
  });
}
