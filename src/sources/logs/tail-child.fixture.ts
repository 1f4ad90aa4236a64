/**
 * The child of tail-process.test.ts: tails argv[2], appends each record with its position to argv[3] in one
 * write, and keeps its offset in argv[4]. On start it resumes from whichever is further: the offset file or
 * the last position in its output (the two are written one after the other, and SIGKILL can fall between).
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { FileOffsetStore } from './offsets.js';
import { FileTailer } from './tail.js';

const [file, out, state] = process.argv.slice(2) as [string, string, string];
const offsets = new FileOffsetStore(state);
let resume = offsets.load();
if (existsSync(out)) {
  const last = readFileSync(out, 'utf8').trimEnd().split('\n').at(-1);
  const m = last ? /^(\d+) (\d+) (\d+) /.exec(last) : null;
  if (m) {
    const pos = { dev: Number(m[1]), ino: Number(m[2]), offset: Number(m[3]) };
    if (!resume || resume.ino !== pos.ino || resume.offset < pos.offset) resume = pos;
  }
}
const tailer = new FileTailer({
  path: file,
  offsets,
  continuation: null,
  pollMs: 20,
  onRecords: (records) => {
    appendFileSync(out, records.map((r) => `${r.dev} ${r.ino} ${r.end} ${r.text}\n`).join(''));
  },
});
tailer.resumeAt(resume);
await tailer.start();
process.stdout.write('ready\n');
