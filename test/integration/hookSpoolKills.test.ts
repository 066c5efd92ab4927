import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { HOOK_EVENT_VERSION, type HookEvent } from '../../src/hooks/hookEvent.js';
import { newHookEventId } from '../../src/hooks/hookEventId.js';
import { sendHookEvent } from '../../src/hooks/hookClient.js';
import { appendToSpool } from '../../src/hooks/spool.js';
import { inTempHome, ofType, tailEvents, WAIT_MS } from '../helpers/relayWorld.js';
import { killDuringDrains } from '../helpers/spoolKills.js';
import { waitFor } from '../helpers/waitFor.js';

test('kill -9 of the daemon during spool drains re-delivers nothing: every spooled hook event is logged exactly once', async () => {
  await inTempHome(async (h) => {
    const r = await killDuringDrains(h, { eventsPerRound: 1_500, kills: 3, stepMs: 20_000 });
    assert.ok(r.kills_mid_drain >= 3, `the kills landed mid-drain (${JSON.stringify(r)})`);
    assert.equal(r.missing, 0, 'no spooled event is lost');
    assert.equal(r.duplicates, 0, 'no spooled event is logged twice');
    assert.equal(r.logged, r.spooled);
  });
});

test('an event sent and then spooled too (the hook gave up waiting for the answer) is logged once, its limit reported once', async () => {
  await inTempHome(async (h) => {
    assert.equal((await h.relay(['daemon', 'start'])).code, 0);
    const event: HookEvent = {
      v: HOOK_EVENT_VERSION,
      id: newHookEventId(),
      agent: 'claude',
      event: 'StopFailure',
      agentSession: 'twice',
      limit: { severity: 'limit', rule: 'hook:claude.stop_failure_rate_limit', matched: "You've hit your session limit" },
      at: Date.now(),
    };
    assert.equal(await sendHookEvent(h.paths, event, 5_000), true, 'the daemon took it');
    appendToSpool(h.paths, event);
    // The spooled copy is drained: read to its end, the file is kept as `.drained` for the
    // grace period of late writers.
    await waitFor(
      () => !existsSync(h.paths.spoolFile) && readdirSync(h.paths.spool).some((n) => n.endsWith('.drained')),
      'the spool to be drained',
      WAIT_MS,
    );
    const events = await tailEvents(h);
    assert.equal(ofType(events, 'hook.received').filter((e) => e.payload.agentSession === 'twice').length, 1);
    assert.equal(ofType(events, 'rate_limited').length, 1);
  });
});
