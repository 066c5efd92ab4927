/**
 * platform/atomicWrite.ts: Relay's own files end 0600 and replace a symlink; a user's file keeps
 * its mode and is written through a symlink; a failed write leaves the old file and no temp file.
 */
import assert from 'node:assert/strict';
import { chmodSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { writeFileAtomic, writeFileAtomicSync } from '../../src/platform/atomicWrite.js';
import { makeTempDir, removeTempDir } from '../helpers/tempDir.js';

const root = makeTempDir('aw');
after(() => removeTempDir(root));

let n = 0;
function freshDir(): string {
  const dir = join(root, String(n++));
  mkdirSync(dir);
  return dir;
}

const mode = (path: string): number => statSync(path).mode & 0o7777;

for (const [name, write] of [
  ['sync', async (path: string, data: string, userFile?: boolean) => writeFileAtomicSync(path, data, { userFile })],
  ['async', (path: string, data: string, userFile?: boolean) => writeFileAtomic(path, data, { userFile })],
] as const) {
  test(`${name}: a Relay file is 0600 whatever was there, and a symlink in its place is replaced`, async () => {
    const dir = freshDir();
    const file = join(dir, 'state.json');
    await write(file, 'one');
    assert.equal(readFileSync(file, 'utf8'), 'one');
    assert.equal(mode(file), 0o600);
    chmodSync(file, 0o644);
    await write(file, 'two');
    assert.equal(readFileSync(file, 'utf8'), 'two');
    assert.equal(mode(file), 0o600);

    const elsewhere = join(dir, 'elsewhere');
    writeFileSync(elsewhere, 'untouched');
    const link = join(dir, 'link.json');
    symlinkSync(elsewhere, link);
    await write(link, 'three');
    assert.equal(lstatSync(link).isSymbolicLink(), false);
    assert.equal(readFileSync(link, 'utf8'), 'three');
    assert.equal(readFileSync(elsewhere, 'utf8'), 'untouched');
    assert.deepEqual(readdirSync(dir).sort(), ['elsewhere', 'link.json', 'state.json'], 'no temp file left');
  });

  test(`${name}: a user file keeps its mode and is written through a symlink; a new one is 0600`, async () => {
    const dir = freshDir();
    const created = join(dir, 'new.json');
    await write(created, '{}', true);
    assert.equal(mode(created), 0o600);

    const real = join(dir, 'repo-settings.json');
    writeFileSync(real, 'old');
    chmodSync(real, 0o640);
    const link = join(dir, 'settings.json');
    symlinkSync(real, link);
    await write(link, 'new', true);
    assert.equal(lstatSync(link).isSymbolicLink(), true, 'the link stays a link');
    assert.equal(readFileSync(real, 'utf8'), 'new');
    assert.equal(mode(real), 0o640);

    const dangling = join(dir, 'dangling.json');
    symlinkSync(join(dir, 'missing'), dangling);
    await write(dangling, 'plain', true);
    assert.equal(lstatSync(dangling).isFile(), true, 'a dangling link is replaced by the file');
    assert.deepEqual(readdirSync(dir).sort(), ['dangling.json', 'new.json', 'repo-settings.json', 'settings.json']);
  });

  test(`${name}: a write that fails leaves what was there and no temp file`, async () => {
    const dir = freshDir();
    // A non-empty directory where the file should be: the rename fails.
    const target = join(dir, 'taken');
    mkdirSync(target);
    writeFileSync(join(target, 'inside'), 'x');
    await assert.rejects(async () => write(target, 'data'));
    assert.deepEqual(readdirSync(dir), ['taken']);
    assert.deepEqual(readdirSync(target), ['inside']);
    await assert.rejects(async () => write(join(dir, 'no-such-dir', 'f'), 'data'), { code: 'ENOENT' });
  });
}
