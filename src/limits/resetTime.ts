/**
 * When a limit lifts, read from the limit message itself. The forms the real CLIs print
 * (CLI-FACTS.md): Claude `resets 10:57am (UTC)`, `resets Nov 24, 11:57am (UTC)`,
 * `resets 11am (America/New_York)`; Codex `try again at 10:58 AM.` (local time) and
 * `try again at Nov 24th, 2026 11:58 AM.`; Gemini `Access resets at 11:28 AM UTC.`; epochs
 * (Claude's old `|<epoch>`, stream-json `resetsAt`, `*-ratelimit-*-reset` headers); `retry-after`
 * headers; relative delays (`retrying in 1s`, `Please retry in 2.0s`, `Retrying after 5648ms`,
 * `retry_delay_ms`).
 *
 * Zones use Intl only (no date library): a wall time in a zone is turned into an instant by
 * asking Intl for that zone's offset around it. Rules for the awkward cases:
 * - A time of day with no date is its next occurrence strictly after `now`, in the zone.
 * - A month and day with no year is this year's, unless that is more than a week past (then next
 *   year's, for messages printed around New Year).
 * - A wall time that occurs twice (DST ends) is the first occurrence; one skipped (DST starts) is
 *   read with the offset before the change, so 02:30 becomes 03:30.
 */

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAY_MS = 86_400_000;
/** A yearless date further back than this is read as next year's. */
const PAST_DATE_TOLERANCE_MS = 7 * DAY_MS;

/** What the zone arithmetic below needs from a formatter. */
type ZoneClock = Pick<Intl.DateTimeFormat, 'formatToParts'>;

/**
 * UTC without Intl: the first `Intl.DateTimeFormat` a process creates loads ICU's calendar and
 * zone data (~15 ms), which is most of `relay hook`'s start-up budget, and Claude prints its
 * resets in UTC. Same parts as the `en-US`/`h23` formatter gives for UTC.
 */
const UTC_CLOCK: ZoneClock = {
  formatToParts(instant) {
    const d = new Date(instant ?? Date.now());
    const part = (type: Intl.DateTimeFormatPartTypes, value: number): Intl.DateTimeFormatPart => ({ type, value: String(value) });
    return [
      part('month', d.getUTCMonth() + 1),
      part('day', d.getUTCDate()),
      part('year', d.getUTCFullYear()),
      part('hour', d.getUTCHours()),
      part('minute', d.getUTCMinutes()),
      part('second', d.getUTCSeconds()),
    ];
  },
};

const formatters = new Map<string, ZoneClock>([['UTC', UTC_CLOCK]]);

/** A cached formatter giving numeric wall-clock parts in `zone`, or undefined for an unknown zone. */
function formatterFor(zone: string): ZoneClock | undefined {
  let fmt = formatters.get(zone);
  if (fmt) return fmt;
  try {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    return undefined;
  }
  formatters.set(zone, fmt);
  return fmt;
}

interface WallTime {
  year: number;
  /** 0-11. */
  month: number;
  day: number;
  hour: number;
  minute: number;
}

/** The wall-clock time in `zone` at `instant`. */
function wallTime(instant: number, fmt: ZoneClock): WallTime {
  const parts: Record<string, number> = {};
  for (const p of fmt.formatToParts(instant)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return { year: parts.year!, month: parts.month! - 1, day: parts.day!, hour: parts.hour!, minute: parts.minute! };
}

/** Offsets already computed, per formatter and minute; formatToParts is the slow part. */
const offsets = new WeakMap<ZoneClock, Map<number, number>>();
/** Bound on cached offsets per zone. */
const MAX_CACHED_OFFSETS = 1024;

/** Offset of `zone` from UTC at `instant`, in ms (wall time minus UTC), to the minute. */
function offsetAt(instant: number, fmt: ZoneClock): number {
  const minute = Math.floor(instant / 60_000) * 60_000;
  let cache = offsets.get(fmt);
  if (!cache) offsets.set(fmt, (cache = new Map()));
  const hit = cache.get(minute);
  if (hit !== undefined) return hit;
  const w = wallTime(minute, fmt);
  const offset = Date.UTC(w.year, w.month, w.day, w.hour, w.minute) - minute;
  if (cache.size >= MAX_CACHED_OFFSETS) cache.clear();
  cache.set(minute, offset);
  return offset;
}

/**
 * The instant at which `zone`'s clock shows the given wall time (day may overflow the month;
 * Date.UTC normalises it). See the file header for repeated and skipped times.
 */
function zonedInstant(year: number, month: number, day: number, hour: number, minute: number, fmt: ZoneClock): number {
  const local = Date.UTC(year, month, day, hour, minute);
  const before = offsetAt(local - DAY_MS, fmt);
  const after = offsetAt(local + DAY_MS, fmt);
  const candidates = [local - before, local - after].filter((t) => t + offsetAt(t, fmt) === local);
  if (candidates.length > 0) return Math.min(...candidates);
  return local - before;
}

/** The zone to read a time in: an explicit one from the message, else `tz`, else the process's. */
function resolveZone(fromText: string | undefined, tz: string | undefined): ZoneClock | undefined {
  if (fromText !== undefined) {
    const name = /^(?:Z|UTC|GMT)$/i.test(fromText.trim()) ? 'UTC' : fromText.trim();
    const fmt = formatterFor(name);
    if (fmt) return fmt;
  }
  return formatterFor(tz ?? Intl.DateTimeFormat().resolvedOptions().timeZone);
}

/** 12-hour clock to 24: 12am is 0, 12pm is 12. Without am/pm the hour is already 24-hour. */
function to24(hour: number, ampm: string | undefined): number | undefined {
  if (ampm === undefined) return hour <= 23 ? hour : undefined;
  if (hour < 1 || hour > 12) return undefined;
  const pm = ampm.toLowerCase().startsWith('p');
  return (hour % 12) + (pm ? 12 : 0);
}

interface ClockParts {
  month?: string | undefined;
  day?: string | undefined;
  year?: string | undefined;
  hour: string;
  minute?: string | undefined;
  ampm?: string | undefined;
  zone?: string | undefined;
}

/** Turn matched clock parts into an instant, following the header's rules. */
function resolveClock(p: ClockParts, now: number, tz: string | undefined): number | undefined {
  const fmt = resolveZone(p.zone, tz);
  if (!fmt) return undefined;
  const hour = to24(Number(p.hour), p.ampm);
  const minute = p.minute === undefined ? 0 : Number(p.minute);
  if (hour === undefined || minute > 59) return undefined;
  if (p.month !== undefined && p.day !== undefined) {
    const month = MONTHS.indexOf(p.month.slice(0, 3).toLowerCase());
    const day = Number(p.day);
    if (month < 0 || day < 1 || day > 31) return undefined;
    if (p.year !== undefined) return zonedInstant(Number(p.year), month, day, hour, minute, fmt);
    const thisYear = wallTime(now, fmt).year;
    const t = zonedInstant(thisYear, month, day, hour, minute, fmt);
    return t < now - PAST_DATE_TOLERANCE_MS ? zonedInstant(thisYear + 1, month, day, hour, minute, fmt) : t;
  }
  const today = wallTime(now, fmt);
  for (let add = 0; add <= 2; add++) {
    const t = zonedInstant(today.year, today.month, today.day + add, hour, minute, fmt);
    if (t > now) return t;
  }
  return undefined;
}

/** `Nov 24, ` / `Nov 24th, 2026 ` / `November 24 at ` before a time. */
const DATE_PART = String.raw`(?:(?<month>[A-Za-z]{3,9})\.?\s+(?<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?:(?<year>\d{4}),?\s+)?(?:at\s+)?)?`;
/** An explicit zone after the time: `(America/New_York)`, `UTC`, `GMT`. */
const ZONE_PART = String.raw`(?:\s*\((?<pzone>[A-Za-z_+\-/0-9]+)\)|\s+(?<zone>UTC|GMT|[A-Z][a-z]+\/[A-Za-z_\/+\-]+)\b)?`;

/** Claude: `resets 10:57am (UTC)`, `resets 11am (America/New_York)`, `resets Nov 24, 11:57am (UTC)`. */
const CLAUDE_RESETS = new RegExp(
  String.raw`\bresets\s+${DATE_PART}(?<hour>\d{1,2})(?::(?<minute>\d{2}))?\s*(?<ampm>[ap]\.?m\.?)${ZONE_PART}`,
  'i',
);
/** Codex `try again at 10:58 AM`, Gemini `Access resets at 11:28 AM UTC`, and kin. */
const AT_TIME = new RegExp(
  String.raw`\b(?:try again|resets?|available(?: again)?|retry)\s+at\s+${DATE_PART}(?<hour>\d{1,2}):(?<minute>\d{2})(?:\s*(?<ampm>[ap]\.?m\.?))?${ZONE_PART}`,
  'i',
);

function fromClock(re: RegExp, text: string, now: number, tz: string | undefined): number | undefined {
  const g = re.exec(text)?.groups;
  if (!g || g.hour === undefined) return undefined;
  return resolveClock(
    { month: g.month, day: g.day, year: g.year, hour: g.hour, minute: g.minute, ampm: g.ampm, zone: g.pzone ?? g.zone },
    now,
    tz,
  );
}

/** Epoch seconds (10 digits) or milliseconds (13 digits) to ms. */
function epochMs(digits: string): number {
  return digits.length >= 13 ? Number(digits) : Number(digits) * 1000;
}

/** Claude's old `Claude AI usage limit reached|1795258633`, `resetsAt`, `*-ratelimit-*-reset` headers. */
function fromEpoch(text: string): number | undefined {
  const m =
    /\|(\d{10}(?:\d{3})?)(?!\d)/.exec(text) ??
    /["']?\b(?:resetsAt|resets_at|resetAt|reset_at)["']?\s*[:=]\s*["']?(\d{10}(?:\d{3})?)(?!\d)/.exec(text) ??
    /\bratelimit-[\w-]*reset["']?\s*[:=]\s*["']?(\d{10}(?:\d{3})?)(?!\d)/i.exec(text);
  return m ? epochMs(m[1]!) : undefined;
}

/** `Retry-After: 30` (seconds), `retry-after-ms: 1500`, or an HTTP date. */
function fromRetryAfter(text: string, now: number): number | undefined {
  const ms = /\bretry-after-ms["']?\s*[:=]\s*["']?(\d+(?:\.\d+)?)/i.exec(text);
  if (ms) return now + Math.round(Number(ms[1]));
  const date = /\bretry-after["']?\s*[:=]\s*["']?([A-Z][a-z]{2}, \d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT)/i.exec(text);
  if (date) {
    const t = Date.parse(date[1]!);
    return Number.isNaN(t) ? undefined : t;
  }
  const s = /\bretry-after["']?\s*[:=]\s*["']?(\d+(?:\.\d+)?)(?![\d.]*\s*ms)/i.exec(text);
  return s ? now + Math.round(Number(s[1]) * 1000) : undefined;
}

/** `retry_delay_ms":2000` (Claude stream-json), `retryDelayMs: 2000` (Gemini's error dump). */
function fromDelayField(text: string, now: number): number | undefined {
  const m = /\bretry_?[dD]elay_?[mM]s["']?\s*[:=]\s*(\d+(?:\.\d+)?)/.exec(text);
  return m ? now + Math.round(Number(m[1])) : undefined;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: DAY_MS };
/** One `<number><unit>` term; `ms` is tried before `m` and `s`; a letter must not follow. */
const TERM = String.raw`(\d+(?:\.\d+)?)\s*(ms|milliseconds?|seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|days?|d)(?![A-Za-z])`;
const RELATIVE = new RegExp(
  String.raw`\b(?:retrying|retry|try again|resets?|reset)\s+(?:in|after)\s+((?:${TERM}\s*(?:and\s+|,\s*)?)+)`,
  'i',
);

function unitMs(unit: string): number {
  const u = unit.toLowerCase();
  if (u === 'ms' || u.startsWith('milli')) return UNIT_MS.ms!;
  return UNIT_MS[u[0]!]!;
}

/** `retrying in 1s`, `Retrying in 2s`, `Please retry in 3600.0s`, `resets in 3h 20m`, `in 6m0s`. */
function fromRelative(text: string, now: number): number | undefined {
  const m = RELATIVE.exec(text);
  if (!m) return undefined;
  let total = 0;
  for (const t of m[1]!.matchAll(new RegExp(TERM, 'gi'))) total += Number(t[1]) * unitMs(t[2]!);
  return now + Math.round(total);
}

/**
 * When the limit described by `text` lifts, in ms since the epoch, or `undefined` when the text
 * does not say. `now` anchors relative and date-less times; `tz` is the zone for times printed
 * without one (Codex prints local time), defaulting to the process's zone. Absolute times win
 * over epochs, which win over header values, which win over relative delays.
 */
export function parseResetTime(text: string, now: number, tz?: string): number | undefined {
  return (
    fromClock(CLAUDE_RESETS, text, now, tz) ??
    fromClock(AT_TIME, text, now, tz) ??
    fromEpoch(text) ??
    fromRetryAfter(text, now) ??
    fromDelayField(text, now) ??
    fromRelative(text, now)
  );
}
