/**
 * Child process for the multi-process cluster test: one replica on the PostgreSQL store at argv[2] with id
 * argv[3], heartbeat argv[4] ms and expiry argv[5] ms. Prints one JSON line per event: {"live": [...]} when
 * its view changes, {"claimed": [...]} when it takes over orphaned steps. Runs until killed.
 */
import { RealClock } from '../core/index.js';
import { openPostgresStore } from '../store/postgres.js';
import { Replica } from './replica.js';

const [url, id, hb, exp] = process.argv.slice(2);
if (!url || !id || !hb || !exp)
  throw new Error('usage: replica.fixture.ts <url> <id> <heartbeatMs> <expiryMs>');
const store = await openPostgresStore({ url, poolSize: 2 });
const say = (o: object) => process.stdout.write(`${JSON.stringify({ id, at: Date.now(), ...o })}\n`);
const replica: Replica = new Replica({
  store,
  clock: new RealClock(),
  id,
  heartbeatMs: Number(hb),
  expiryMs: Number(exp),
  onChange: (live) => {
    say({ live });
    // What the daemon does on a membership change: reconcile steps that dead replicas left behind.
    void replica.claimOrphans().then((actions) => {
      if (actions.length) say({ claimed: actions.map((a) => a.id) });
    });
  },
  onError: (err) => say({ error: String(err) }),
});
await replica.start();
