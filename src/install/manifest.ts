/**
 * The install manifest, `$RELAY_HOME/install/manifest.json` (0600, in a 0700 directory): for
 * every file install changed, the bytes it had before (a backup under `install/backups/`), the
 * hash it had right after, the containers install created in it and the directories install
 * created for it. `relay uninstall` restores a file whose hash is still the post-install hash
 * from its backup byte for byte (deleting a file install created), and removes only Relay's
 * entries from a file that changed since.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { AGENT_CLIS } from '../adapters/registry.js';
import { RelayError } from '../platform/errors.js';
import { RELAY_ROLES, type DocPath, type FileRole } from './fileChange.js';
import { writeFileAtomicSync } from '../platform/atomicWrite.js';
import { ensureDirs } from './installFs.js';

/** Every role a manifest entry may have: the agent CLIs' (from the registry) and Relay's own. */
const FILE_ROLES: [FileRole, ...FileRole[]] = [...RELAY_ROLES, ...AGENT_CLIS.flatMap((d) => (d.installRole ? [d.installRole] : []))];

export const MANIFEST_VERSION = 1;

const docPath = z.array(z.union([z.string(), z.number()]));

const fileEntry = z.object({
  path: z.string(),
  role: z.enum(FILE_ROLES),
  /** The file existed before the first install that changed it. */
  existedBefore: z.boolean(),
  /** Backup of the pre-install bytes, relative to the install directory; null when it did not exist. */
  backup: z.string().nullable(),
  /** sha256 of the pre-install bytes (`absent`). */
  preHash: z.string(),
  /** sha256 of the bytes install left (`absent` for a file it deleted). */
  postHash: z.string(),
  /**
   * False once the file was found changed by someone else when a later install edited it:
   * the backup no longer is "the file minus Relay", so uninstall goes surgical.
   */
  restorable: z.boolean(),
  created: z.array(docPath),
  createdDirs: z.array(z.string()),
  data: z.record(z.string(), z.unknown()).optional(),
});

const manifestSchema = z.object({
  v: z.literal(MANIFEST_VERSION),
  createdAt: z.string(),
  updatedAt: z.string(),
  relay: z.object({ node: z.string(), cliEntry: z.string(), version: z.string() }),
  /** Directories install created for its own files (RELAY_HOME, install/, backups/). */
  createdDirs: z.array(z.string()),
  files: z.array(fileEntry),
  autostart: z.object({ unit: z.string(), enabled: z.boolean(), systemctl: z.string().nullable() }).optional(),
});

export type ManifestFile = z.infer<typeof fileEntry>;
export type InstallManifest = z.infer<typeof manifestSchema>;

interface InstallDirs {
  dir: string;
  manifest: string;
  backups: string;
}

export function installDirs(relayHome: string): InstallDirs {
  const dir = join(relayHome, 'install');
  return { dir, manifest: join(dir, 'manifest.json'), backups: join(dir, 'backups') };
}

/** The manifest, or null when there is none. Throws E_CONFIG for one that does not parse. */
export function readManifest(relayHome: string): InstallManifest | null {
  const { manifest } = installDirs(relayHome);
  let text: string;
  try {
    text = readFileSync(manifest, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new RelayError('E_CONFIG', `${manifest}: not valid JSON (${(e as Error).message})`, {
      hint: 'the install record is damaged; restore it from a backup, or move it aside and run relay install again',
    });
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    throw new RelayError('E_CONFIG', `${manifest}: not an install record this Relay understands`, {
      hint: 'move it aside and run relay install again',
    });
  }
  return parsed.data;
}

/** Create the install directories (0700) and return the ones that were created. */
export function ensureInstallDirs(relayHome: string): string[] {
  return ensureDirs(installDirs(relayHome).backups);
}

export function writeManifest(relayHome: string, manifest: InstallManifest): void {
  writeFileAtomicSync(installDirs(relayHome).manifest, `${JSON.stringify(manifest, null, 2)}\n`);
}

/** The manifest's entry for `path`. */
export function entryFor(manifest: InstallManifest | null, path: string): ManifestFile | undefined {
  return manifest?.files.find((f) => f.path === path);
}

/** `a` plus the paths of `b` it does not have yet. */
export function unionPaths(a: readonly DocPath[], b: readonly DocPath[]): DocPath[] {
  const out = [...a];
  for (const p of b) if (!out.some((q) => q.length === p.length && q.every((s, i) => s === p[i]))) out.push(p);
  return out;
}
