/** The systemd user unit install writes (src/install/autostart.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isOurUnit, unitPath, unitText } from '../../src/install/autostart.js';

test('the unit runs the daemon in the foreground with absolute paths, restarts on failure, not when another daemon runs', () => {
  const text = unitText({ node: '/usr/bin/node', daemonEntry: '/opt/relay/dist/supervisor/daemonMain.js', relayHome: '/home/u/.relay', path: '/usr/bin:/bin' });
  assert.match(text, /^Type=simple$/m);
  assert.match(text, /^ExecStart="\/usr\/bin\/node" "\/opt\/relay\/dist\/supervisor\/daemonMain\.js" --home "\/home\/u\/\.relay"$/m);
  assert.match(text, /^Environment="RELAY_HOME=\/home\/u\/\.relay"$/m);
  assert.match(text, /^Environment="PATH=\/usr\/bin:\/bin"$/m);
  assert.match(text, /^Restart=on-failure$/m);
  assert.match(text, /^RestartPreventExitStatus=75$/m);
  assert.match(text, /^KillMode=mixed$/m);
  assert.match(text, /^\[Install\]\nWantedBy=default\.target$/m);
  assert.ok(isOurUnit(Buffer.from(text)));
  assert.equal(isOurUnit(Buffer.from('[Unit]\nDescription=mine\n')), false);
});

test('systemd specifiers, variables and quotes in paths are escaped', () => {
  const text = unitText({ node: '/o/100%/node', daemonEntry: '/o/$HOME/"q"/d.js', relayHome: '/h\\x' });
  assert.match(text, /^ExecStart="\/o\/100%%\/node" "\/o\/\$\$HOME\/\\"q\\"\/d\.js" --home "\/h\\\\x"$/m);
  assert.doesNotMatch(text, /PATH=/, 'no PATH line without a PATH');
});

test('the unit lives in the user unit directory, XDG_CONFIG_HOME honoured', () => {
  assert.equal(unitPath({ HOME: '/home/u' }), '/home/u/.config/systemd/user/relay.service');
  assert.equal(unitPath({ HOME: '/home/u', XDG_CONFIG_HOME: '/x' }), '/x/systemd/user/relay.service');
});
