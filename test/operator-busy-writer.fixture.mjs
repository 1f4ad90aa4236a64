// Another process writing to Medic's SQLite database most of the time, as a busy daemon does: it holds the
// write lock HOLD ms, lets go for GAP ms, and again, until killed. Args: DB_FILE HOLD_MS GAP_MS
import Database from 'better-sqlite3';

const [file, hold, gap] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const db = new Database(file, { timeout: 10_000 });
const pause = new Int32Array(new SharedArrayBuffer(4));
let stopping = false;
process.on('SIGTERM', () => {
  stopping = true;
});
const loop = () => {
  if (stopping) {
    db.close();
    process.exit(0);
  }
  db.exec('BEGIN IMMEDIATE');
  Atomics.wait(pause, 0, 0, hold);
  db.exec('COMMIT');
  setTimeout(loop, gap);
};
process.stdout.write('holding\n');
loop();
