// Time in the demo clinic's zone (Europe/Berlin), as the server computes
// it: wall clocks, day numbers, RFC 3339 with the zone's offset. Shared by
// the integration and browser tests so that each computes dates one way.
import assert from 'node:assert/strict';

export const TZ = 'Europe/Berlin';
export const DAY_MS = 86400000;
export const MIN_MS = 60000;

const fmt = new Intl.DateTimeFormat('en-US', {
  timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit',
  hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
  timeZoneName: 'longOffset',
});

/** The wall clock in Berlin at ms: {y, mo, d, h, mi, s, offset: '+01:00', offMin}. */
export function berlin(ms) {
  const p = Object.fromEntries(fmt.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  const m = /^GMT(?:([+-])(\d\d):(\d\d))?$/.exec(p.timeZoneName);
  assert.ok(m, `unexpected zone name ${p.timeZoneName}`);
  const offset = m[1] ? `${m[1]}${m[2]}:${m[3]}` : '+00:00';
  const offMin = m[1] ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
  return {
    y: Number(p.year), mo: Number(p.month), d: Number(p.day),
    h: Number(p.hour), mi: Number(p.minute), s: Number(p.second), offset, offMin,
  };
}

/** Days since 1970-01-01 of the Berlin date at ms. */
export function dayOf(ms) {
  const b = berlin(ms);
  return Math.floor(Date.UTC(b.y, b.mo - 1, b.d) / DAY_MS);
}

/** Today's day number in Berlin. */
export const today = () => dayOf(Date.now());

/** 'YYYY-MM-DD' of a day number. */
export const dateOf = (day) => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** 1 Monday .. 7 Sunday. */
export const weekday = (day) => new Date(day * DAY_MS).getUTCDay() || 7;

/** Unix ms of the Berlin wall time `minutes` after midnight of day. */
export function localMs(day, minutes) {
  const guess = day * DAY_MS + minutes * MIN_MS;
  let t = guess - berlin(guess).offMin * MIN_MS;
  t = guess - berlin(t).offMin * MIN_MS;
  return t;
}

export const pad = (n) => String(n).padStart(2, '0');

/** RFC 3339 of ms in Berlin, as the server writes it. */
export function rfc(ms) {
  const b = berlin(ms);
  return `${b.y}-${pad(b.mo)}-${pad(b.d)}T${pad(b.h)}:${pad(b.mi)}:${pad(b.s)}${b.offset}`;
}

/** Minutes since midnight of 'HH:MM'. */
export const hm = (s) => { const [h, m] = s.split(':').map(Number); return h * 60 + m; };

/** RFC 3339 of the Berlin wall time 'HH:MM' on day. */
export const at = (day, hhmm) => rfc(localMs(day, hm(hhmm)));

/** Unix ms of an RFC 3339 time. */
export const msOf = (s) => Date.parse(s);
