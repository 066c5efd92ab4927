import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { cookieName, cookieValue, hostAllowed, newDashboardToken, sameToken, sessionCookie } from '../../src/supervisor/dashboard/dashboardAuth.js';
import { resumePoint, RECENT_EVENTS } from '../../src/supervisor/dashboard/eventStream.js';

test('only the loopback names on the dashboard port pass the Host check', () => {
  assert.equal(hostAllowed('127.0.0.1:4000', 4000), true);
  assert.equal(hostAllowed('LOCALHOST:4000', 4000), true);
  for (const bad of [undefined, '', '127.0.0.1', '127.0.0.1:4001', 'evil.example:4000', '127.0.0.1.evil.example:4000', 'localhost.:4000', '[::1]:4000']) {
    assert.equal(hostAllowed(bad, 4000), false, String(bad));
  }
});

test('the token is long and random, compared in constant time, and carried by an HttpOnly SameSite=Strict cookie', () => {
  const t = newDashboardToken();
  assert.match(t, /^[\w-]{43}$/);
  assert.notEqual(t, newDashboardToken());
  assert.equal(sameToken(t, t), true);
  assert.equal(sameToken(`${t}x`, t), false);
  assert.equal(sameToken(undefined, t), false);
  const cookie = sessionCookie(4000, t);
  assert.match(cookie, /; HttpOnly; SameSite=Strict; Path=\/$/);
  assert.equal(cookieValue(`a=1; ${cookie.split(';')[0]}; b=2`, cookieName(4000)), t);
  assert.equal(cookieValue(`${cookieName(4001)}=${t}`, cookieName(4000)), undefined, 'another home\'s dashboard cookie does not count');
  fc.assert(fc.property(fc.string(), (s) => sameToken(s, t) === (s === t)));
});

test('a page resumes from its Last-Event-ID, else ?since=, else the recent events', () => {
  assert.equal(resumePoint('41', null, 100), 41);
  assert.equal(resumePoint(undefined, '7', 100), 7);
  assert.equal(resumePoint('41', '7', 100), 41, 'the browser\'s own id wins');
  assert.equal(resumePoint('500', null, 100), 100, 'an id from a future never skips what comes next');
  assert.equal(resumePoint('x', 'y', 1000), 1000 - RECENT_EVENTS);
  assert.equal(resumePoint(undefined, null, 10), 0);
});
