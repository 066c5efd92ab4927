import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inTempHome } from '../helpers/relayWorld.js';
import { killDuringDrains } from '../helpers/spoolKills.js';

test('kill -9 of the daemon during spool drains re-delivers nothing: every spooled hook event is logged exactly once', async () => {
  await inTempHome(async (h) => {
    const r = await killDuringDrains(h, { eventsPerRound: 1_500, kills: 3, stepMs: 20_000 });
    assert.ok(r.kills_mid_drain >= 3, `the kills landed mid-drain (${JSON.stringify(r)})`);
    assert.equal(r.missing, 0, 'no spooled event is lost');
    assert.equal(r.duplicates, 0, 'no spooled event is logged twice');
    assert.equal(r.logged, r.spooled);
  });
});
