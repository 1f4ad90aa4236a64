// Writes numbered lines to a log file at a steady rate, rotating it (rename, reopen) every N lines, as an
// application with logrotate would. Args: FILE TOTAL PER_SECOND ROTATE_EVERY
import { closeSync, openSync, renameSync, writeSync } from 'node:fs';

const [file, total, perSecond, rotateEvery] = [
  process.argv[2],
  Number(process.argv[3]),
  Number(process.argv[4]),
  Number(process.argv[5]),
];
let fd = openSync(file, 'a');
let n = 0;
let rotations = 0;
const words = ['alpha', 'bravo', 'charlie', 'delta', 'echo'];
const tick = setInterval(() => {
  const burst = Math.max(1, Math.round(perSecond / 100));
  for (let i = 0; i < burst && n < total; i++, n++) {
    if (n > 0 && n % rotateEvery === 0) {
      closeSync(fd);
      renameSync(file, `${file}.${++rotations}`);
      fd = openSync(file, 'a');
    }
    writeSync(fd, `2026-01-01T00:00:00.000Z worker ${words[n % 5]} finished job seq=${n} in ${n % 97}ms\n`);
  }
  if (n >= total) {
    clearInterval(tick);
    closeSync(fd);
    process.stdout.write(`done ${n} ${rotations}\n`);
  }
}, 10);
