/**
 * parseResetTime: every reset form the real CLIs print (CLI-FACTS.md), against fixed `now` values,
 * including across midnight, across a year end, and across both DST changes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseResetTime } from '../../src/limits/resetTime.js';

const at = (iso: string): number => Date.parse(iso);
const iso = (t: number | undefined): string | undefined => (t === undefined ? undefined : new Date(t).toISOString());

interface Case {
  text: string;
  now: string;
  tz?: string;
  want: string | undefined;
  why: string;
}

function check(cases: readonly Case[]): void {
  for (const c of cases) {
    it(`${c.why}: ${JSON.stringify(c.text)} at ${c.now}${c.tz ? ` (${c.tz})` : ''}`, () => {
      assert.equal(iso(parseResetTime(c.text, at(c.now), c.tz)), c.want);
    });
  }
}

describe('Claude: resets <time> (<zone>)', () => {
  check([
    { text: "You've hit your session limit · resets 10:57am (UTC)", now: '2026-11-21T10:00:00Z', want: '2026-11-21T10:57:00.000Z', why: 'later today' },
    { text: "You've hit your session limit · resets 10:57am (UTC)", now: '2026-11-21T11:00:00Z', want: '2026-11-22T10:57:00.000Z', why: 'already past today: tomorrow' },
    { text: 'resets 10:57am (UTC)', now: '2026-11-21T10:57:00Z', want: '2026-11-22T10:57:00.000Z', why: 'exactly now is not after now' },
    { text: 'resets 12:10am (UTC)', now: '2026-11-21T23:50:00Z', want: '2026-11-22T00:10:00.000Z', why: 'across midnight' },
    { text: 'resets 11:40pm (UTC)', now: '2026-11-21T23:50:00Z', want: '2026-11-22T23:40:00.000Z', why: 'just missed: a day later' },
    { text: 'resets 12pm (UTC)', now: '2026-11-21T10:00:00Z', want: '2026-11-21T12:00:00.000Z', why: '12pm is noon' },
    { text: 'resets 12am (UTC)', now: '2026-11-21T10:00:00Z', want: '2026-11-22T00:00:00.000Z', why: '12am is midnight' },
    { text: 'resets 11am (America/New_York)', now: '2026-11-21T10:00:00Z', want: '2026-11-21T16:00:00.000Z', why: 'IANA zone in winter (UTC-5)' },
    { text: 'resets 11am (America/New_York)', now: '2026-07-01T10:00:00Z', want: '2026-07-01T15:00:00.000Z', why: 'IANA zone in summer (UTC-4)' },
    { text: 'resets 11am (America/New_York)', now: '2026-03-08T04:00:00Z', want: '2026-03-08T15:00:00.000Z', why: 'the day DST starts, read before the change' },
    { text: 'resets 1am (America/New_York)', now: '2026-11-01T03:00:00Z', want: '2026-11-01T05:00:00.000Z', why: 'a repeated hour (DST ends) is its first occurrence' },
    { text: 'resets 2:30am (America/New_York)', now: '2026-03-08T05:00:00Z', want: '2026-03-08T07:30:00.000Z', why: 'a skipped hour (DST starts) reads as 3:30 EDT' },
    { text: 'resets 9:30am (Asia/Kolkata)', now: '2026-11-21T10:00:00Z', want: '2026-11-22T04:00:00.000Z', why: 'a half-hour offset, already past there' },
    { text: "You've hit your session limit · resets Nov 24, 11:57am (UTC)", now: '2026-11-21T10:00:00Z', want: '2026-11-24T11:57:00.000Z', why: 'another day' },
    { text: 'resets Nov 24, 7:33am (America/New_York)', now: '2026-11-21T10:00:00Z', want: '2026-11-24T12:33:00.000Z', why: 'another day, in a zone' },
    { text: 'resets Jan 2, 9am (UTC)', now: '2026-12-30T10:00:00Z', want: '2027-01-02T09:00:00.000Z', why: 'a yearless date across New Year' },
    { text: 'resets Nov 20, 9am (UTC)', now: '2026-11-21T10:00:00Z', want: '2026-11-20T09:00:00.000Z', why: 'a yearless date just past stays this year' },
    { text: 'resets 3pm', now: '2026-11-21T10:00:00Z', tz: 'Europe/Berlin', want: '2026-11-21T14:00:00.000Z', why: 'no zone printed: the given tz' },
    { text: 'resets 3pm (Mars/Olympus_Mons)', now: '2026-11-21T10:00:00Z', tz: 'UTC', want: '2026-11-21T15:00:00.000Z', why: 'an unknown zone falls back to tz' },
  ]);
});

describe('Codex: try again at <time> (local)', () => {
  check([
    { text: 'ERROR: You’ve hit your usage limit. Try again at 10:59 AM.', now: '2026-11-21T10:00:00Z', tz: 'UTC', want: '2026-11-21T10:59:00.000Z', why: 'capital T, UTC' },
    { text: 'or try again at 10:58 AM.', now: '2026-11-21T10:00:00Z', tz: 'America/New_York', want: '2026-11-21T15:58:00.000Z', why: 'local time in New York' },
    { text: 'or try again at 10:58 AM.', now: '2026-11-21T16:00:00Z', tz: 'America/New_York', want: '2026-11-22T15:58:00.000Z', why: 'local time already past: tomorrow' },
    { text: 'try again at 12:05 AM.', now: '2026-11-21T23:30:00Z', tz: 'UTC', want: '2026-11-22T00:05:00.000Z', why: 'across midnight' },
    { text: 'try again at 1:30 AM.', now: '2026-11-01T04:00:00Z', tz: 'America/New_York', want: '2026-11-01T05:30:00.000Z', why: 'DST ends: the first 1:30 (EDT)' },
    { text: 'try again at 2:30 AM.', now: '2026-03-08T05:00:00Z', tz: 'America/New_York', want: '2026-03-08T07:30:00.000Z', why: 'DST starts: 2:30 does not exist, 3:30 EDT' },
    { text: 'or try again at Nov 24th, 2026 11:58 AM.', now: '2026-11-21T10:00:00Z', tz: 'UTC', want: '2026-11-24T11:58:00.000Z', why: 'with date and year' },
    { text: 'or try again at Nov 24th, 2026 11:58 AM.', now: '2026-11-21T10:00:00Z', tz: 'Europe/Berlin', want: '2026-11-24T10:58:00.000Z', why: 'with date, local Berlin time' },
    { text: 'try again at Jan 1st, 2027 12:00 AM.', now: '2026-12-31T20:00:00Z', tz: 'UTC', want: '2027-01-01T00:00:00.000Z', why: 'New Year midnight' },
  ]);

  it('without tz, uses the process zone', () => {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const now = at('2026-11-21T10:00:00Z');
    assert.equal(parseResetTime('try again at 10:58 AM.', now), parseResetTime('try again at 10:58 AM.', now, zone));
  });
});

describe('Gemini: Access resets at <time> <zone>', () => {
  check([
    { text: 'Access resets at 11:28 AM UTC.', now: '2026-11-21T10:00:00Z', want: '2026-11-21T11:28:00.000Z', why: 'box line' },
    { text: '│ Access resets at 11:28 AM UTC.      │', now: '2026-11-21T12:00:00Z', want: '2026-11-22T11:28:00.000Z', why: 'in the box, past today' },
    { text: 'Access resets at 9:05 PM UTC.', now: '2026-11-21T10:00:00Z', tz: 'Asia/Tokyo', want: '2026-11-21T21:05:00.000Z', why: 'the printed zone beats tz' },
  ]);
});

describe('epochs, headers and delays', () => {
  check([
    { text: 'Claude AI usage limit reached|1795258633', now: '2026-11-21T10:00:00Z', want: '2026-11-21T10:57:13.000Z', why: "Claude's old epoch form" },
    { text: '{"type":"rate_limit_event","rate_limit_info":{"status":"rejected","resetsAt":1795258633,"rateLimitType":"five_hour"}}', now: '2026-11-21T10:00:00Z', want: '2026-11-21T10:57:13.000Z', why: 'stream-json resetsAt (seconds)' },
    { text: '"resets_at":1795258704', now: '2026-11-21T10:00:00Z', want: '2026-11-21T10:58:24.000Z', why: 'Codex rollout resets_at' },
    { text: 'anthropic-ratelimit-unified-reset: 1795258633', now: '2026-11-21T10:00:00Z', want: '2026-11-21T10:57:13.000Z', why: 'unified reset header' },
    { text: 'resetAt: 1795258633000', now: '2026-11-21T10:00:00Z', want: '2026-11-21T10:57:13.000Z', why: 'milliseconds' },
    { text: 'retry-after: 30', now: '2026-11-21T10:00:00Z', want: '2026-11-21T10:00:30.000Z', why: 'Retry-After seconds' },
    { text: 'Retry-After: 2.5', now: '2026-11-21T10:00:00Z', want: '2026-11-21T10:00:02.500Z', why: 'fractional seconds' },
    { text: '"retry-after":"2","x-ratelimit-limit-requests":"500"', now: '2026-11-21T10:00:00Z', want: '2026-11-21T10:00:02.000Z', why: 'header inside JSON' },
    { text: 'Retry-After: Sat, 21 Nov 2026 10:05:00 GMT', now: '2026-11-21T10:00:00Z', want: '2026-11-21T10:05:00.000Z', why: 'HTTP date' },
    { text: 'retry-after-ms: 1500', now: '2026-11-21T10:00:00Z', want: '2026-11-21T10:00:01.500Z', why: 'retry-after-ms' },
    { text: '"retry_delay_ms":2425.014886937369', now: '2026-11-21T10:00:00Z', want: '2026-11-21T10:00:02.425Z', why: 'Claude api_retry delay' },
    { text: '[retrying in 1s attempt #2]', now: '2026-11-21T10:00:00Z', want: '2026-11-21T10:00:01.000Z', why: 'OpenCode footer' },
    { text: 'API error · Retrying in 12s · attempt 6/10', now: '2026-11-21T10:00:00Z', want: '2026-11-21T10:00:12.000Z', why: 'Claude spinner' },
    { text: 'Please retry in 3600.0s.', now: '2026-11-21T10:00:00Z', want: '2026-11-21T11:00:00.000Z', why: 'Gemini decimal seconds' },
    { text: 'Suggested retry after 2s.. Retrying after 5648ms...', now: '2026-11-21T10:00:00Z', want: '2026-11-21T10:00:02.000Z', why: 'first delay wins' },
    { text: 'Retrying after 5648ms...', now: '2026-11-21T10:00:00Z', want: '2026-11-21T10:00:05.648Z', why: 'milliseconds' },
    { text: 'Please try again in 6m0s.', now: '2026-11-21T10:00:00Z', want: '2026-11-21T10:06:00.000Z', why: 'Go duration' },
    { text: 'resets in 3h 20m', now: '2026-11-21T23:00:00Z', want: '2026-11-22T02:20:00.000Z', why: 'compound delay across midnight' },
  ]);
});

describe('precedence and non-times', () => {
  check([
    { text: 'resets 10:57am (UTC) · retry-after: 30', now: '2026-11-21T10:00:00Z', want: '2026-11-21T10:57:00.000Z', why: 'a clock time beats a header' },
    { text: '"resetsAt":1795258633 "retry_delay_ms":2000', now: '2026-11-21T10:00:00Z', want: '2026-11-21T10:57:13.000Z', why: 'an epoch beats a delay' },
    { text: 'Quota exceeded. Check your plan and billing details.', now: '2026-11-21T10:00:00Z', want: undefined, why: 'no time given' },
    { text: 'Please reduce the prompt length, or try again later.', now: '2026-11-21T10:00:00Z', want: undefined, why: '"later" is no time' },
    { text: 'resets 5 times before giving up', now: '2026-11-21T10:00:00Z', want: undefined, why: 'a number that is not a clock' },
    { text: 'resets 13pm (UTC)', now: '2026-11-21T10:00:00Z', want: undefined, why: 'an impossible hour' },
    { text: 'try again at 10:75 AM.', now: '2026-11-21T10:00:00Z', tz: 'UTC', want: undefined, why: 'an impossible minute' },
    { text: 'resets Foo 24, 11:57am (UTC)', now: '2026-11-21T10:00:00Z', want: undefined, why: 'not a month' },
  ]);
});
