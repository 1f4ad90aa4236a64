/**
 * Values that span words: a date and time written inside a message, and a number followed by its size unit.
 * Each becomes one `<*>` at its first word, the words after it emptied (see maskDates).
 */
import { isDigit, isLetter, WILDCARD } from './mask.js';

const MONTHS = new Set(
  'jan feb mar apr may jun jul aug sep sept oct nov dec january february march april june july august september october november december'.split(
    ' ',
  ),
);
/** The first three letters of a word (after an opening bracket), lower case, as one number. */
function startKey(w: string): number {
  const o = w.charCodeAt(0) === 91 || w.charCodeAt(0) === 40 ? 1 : 0;
  return ((w.charCodeAt(o) | 32) << 16) | ((w.charCodeAt(o + 1) | 32) << 8) | (w.charCodeAt(o + 2) | 32);
}
const MONTH_STARTS = new Set([...MONTHS].map(startKey));
const WEEKDAYS = new Set(
  'mon tue wed thu fri sat sun monday tuesday wednesday thursday friday saturday sunday'.split(' '),
);

/** A day of the month (`14`, `1st`, `14,`). */
const DAY = /^\d{1,2}(st|nd|rd|th)?,?$/;
/** A year. */
const YEAR = /^(19|20)\d\d[,\])]?$/;
/** A clock time, with seconds and their fraction when present (`07:07:00`, `7:07`, `07:07:00.123`). */
const TIME = /^T?\d{1,2}:\d\d(:\d\d([.,]\d{1,9})?)?(Z|[+-]\d\d:?\d\d)?[,\])]?$/;
/** A zone written as an offset or as UTC/GMT: part of the time before it wherever it stands. */
const ZONE = /^([+-]\d\d:?\d\d|UTC|GMT|Z)[,\])]?$/;
/** A zone abbreviation (`PDT`, `CEST`): part of a date only between a time and a year, as `date` prints it. */
const ZONE_NAME = /^[A-Z]{2,5}$/;
/** A calendar date (`2005-06-17`, `2005/06/17`), with a time glued to it when present (ISO 8601). */
const ISO_DATE =
  /^[[(]?(19|20)\d\d([-/])\d\d\2\d\d([T ]\d\d:\d\d(:\d\d([.,]\d{1,9})?)?)?(Z|[+-]\d\d:?\d\d)?[,\])]?$/;

/** A date as the Common Log Format writes it: day, month name, year, and the time glued by a colon. */
const CLF_DATE = /^[[(]?\d{1,2}\/([A-Za-z]{3})\/(?:19|20)\d\d(:\d\d:\d\d:\d\d)?[,\])]?$/;

const stripped = (w: string) => w.toLowerCase().replace(/^[[(]|[.,]$/g, '');

/**
 * Masks a date and time written inside a message as one variable, whatever the number of words it takes
 * (`Fri Jun 17 07:07:00 2022`, `Jun 14`, `17 Jun 2022`, `2022-06-17 07:07:00 +0200`, `Fri Jul 01 08:16:53 PDT
 * 2022`): its first word becomes `<*>` and the words after it are emptied (they print nothing), so the
 * template says `at <*>` as people write it. A month name is a date only when a number follows it, and a
 * weekday only beside such a month, so the words alone stay text.
 */
export function maskDates(raw: readonly string[], masked: string[]): void {
  const n = raw.length;
  for (let i = 0; i < n; i++) {
    const word = raw[i] as string;
    const c0 = word.charCodeAt(0);
    let first = i;
    let next = i + 1;
    let glued = false;
    let dated = false;
    if (isLetter(c0)) {
      // Cheapest test first: a number must follow a month; then its first three letters, without a new string.
      if (i + 1 >= n || !isDigit((raw[i + 1] as string).charCodeAt(0))) continue;
      if (word.length < 3 || word.length > 10 || !MONTH_STARTS.has(startKey(word))) continue;
      if (!MONTHS.has(stripped(word))) continue;
      if (!DAY.test(raw[i + 1] as string) && !YEAR.test(raw[i + 1] as string)) continue;
      first = i;
      next = i + 2;
      // `17 Jun 2005`: the day before the month.
      if (first > 0 && YEAR.test(raw[i + 1] as string) && DAY.test(raw[first - 1] as string)) first--;
      if (first > 0 && WEEKDAYS.has(stripped(raw[first - 1] as string))) first--;
    } else {
      if (i + 1 < n && masked[i] === WILDCARD) {
        const last = sizeUnit(raw, masked, i);
        if (last > i) {
          i = last;
          continue;
        }
      }
      // A calendar date starts with four digits; the Common Log Format's (`06/Dec/2026:10:04:59`) with a day.
      const o = c0 === 91 || c0 === 40 ? 1 : 0;
      if (word.length < 10 + o || !isDigit(word.charCodeAt(o))) continue;
      if (isDigit(word.charCodeAt(o + 3))) {
        if (!ISO_DATE.test(word)) continue;
      } else {
        // A slash after the day's one or two digits, before anything else is asked.
        if (word.charCodeAt(o + 1) !== 47 && word.charCodeAt(o + 2) !== 47) continue;
        const clf = CLF_DATE.exec(word);
        if (clf === null || !MONTHS.has((clf[1] as string).toLowerCase())) continue;
        // Its year is in it, and its time when glued: the zone after it belongs to it (`+0000]`).
        glued = clf[2] !== undefined;
        dated = true;
      }
    }
    let end = next;
    let timed = glued;
    dated ||= YEAR.test(raw[next - 1] as string);
    for (; end < raw.length; end++) {
      const w = raw[end] as string;
      if (!timed && TIME.test(w)) timed = true;
      else if (timed && ZONE.test(w)) continue;
      else if (!dated && YEAR.test(w)) dated = true;
      else if (
        timed &&
        !dated &&
        ZONE_NAME.test(w) &&
        end + 1 < raw.length &&
        YEAR.test(raw[end + 1] as string)
      )
        continue;
      else break;
    }
    // The run's brackets stay around its one variable: `[Fri Jun 17 07:07:00 2022]` → `[<*>]`.
    const head = raw[first] as string;
    const tail = raw[end - 1] as string;
    let lead = 0;
    while (lead < head.length && '(["\''.includes(head[lead] as string)) lead++;
    let trail = tail.length;
    while (trail > 0 && ')]"\',;:'.includes(tail[trail - 1] as string)) trail--;
    masked[first] = head.slice(0, lead) + WILDCARD + tail.slice(trail);
    for (let k = first + 1; k < end; k++) masked[k] = '';
    i = end - 1;
  }
}

/** Units of a size, as a human-readable size prints them (the unit is chosen by the value's magnitude). */
const SIZE_UNITS = new Set(['B', 'kB', 'KB', 'MB', 'GB', 'TB', 'PB', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB']);

/**
 * A number followed by a size unit (`93.0 B`, `5.2 KB`) is one value: a formatter picks the unit from the
 * magnitude, so the unit varies with the number and is part of it. Returns the index of the last word taken.
 */
function sizeUnit(raw: readonly string[], masked: string[], i: number): number {
  const unit = raw[i + 1] as string;
  if (unit.length > 4) return i;
  const c = unit.charCodeAt(0);
  if (c !== 66 && c !== 75 && c !== 77 && c !== 71 && c !== 84 && c !== 80 && c !== 107) return i;
  let end = unit.length;
  while (end > 1 && ',;)]'.includes(unit[end - 1] as string)) end--;
  if (!SIZE_UNITS.has(end === unit.length ? unit : unit.slice(0, end))) return i;
  masked[i] = WILDCARD + unit.slice(end);
  masked[i + 1] = '';
  return i + 1;
}
