/**
 * An installer for a CLI whose hooks live in a JSON settings file of Claude Code's shape
 * (Claude Code, Codex, Gemini CLI): the per-CLI files give the events, the handler and any
 * extra setting; this file plans the edit and the removal.
 */
import type { AgentInstaller, AgentInstallPlan } from './agentInstaller.js';
import type { InstallRole, KnownKind } from '../adapters/registry.js';
import type { DocPath, FileChange } from './fileChange.js';
import { isRelayHandler, relayHookCommand, type HookCommandSpec } from '../hooks/hookCommand.js';
import { hasOurHooks, installHooks, removeHooks, type HooksSpec } from './hooksJson.js';
import { JsonText, type JsonDialect } from './jsonText.js';

/** The descriptor facts an installer needs (adapters/<kind>.ts). */
interface InstalledAgent {
  kind: KnownKind;
  installRole: InstallRole;
  hook: { arg: string };
}

interface JsonHooksInstallerOptions {
  agent: InstalledAgent;
  dialect: JsonDialect;
  /** The hooks to register, given the command that runs `relay hook <arg>` and the CLI's version. */
  spec(command: string, version: string | null): Omit<HooksSpec, 'isOurs'>;
  /** After the hooks are in: further edits (Gemini's switch); returns the paths it created. */
  extraInstall?(doc: JsonText): DocPath[];
  /** Undo of `extraInstall`, given what it created. */
  extraStrip?(doc: JsonText, created: readonly DocPath[] | null): void;
  /** Warnings about the settings as they are after install (hooks switched off, …). */
  notes?(doc: JsonText, version: string | null): string[];
  /** Facts install records in the manifest for uninstall (FileChange.data). */
  installData?(file: string): Record<string, unknown> | undefined;
  /** See AgentInstaller.uninstallCompanion; given this installer's test for Relay's handlers. */
  uninstallCompanion?(file: string, current: Buffer | null, recorded: Record<string, unknown> | undefined, isOurs: (handler: unknown) => boolean): FileChange | null;
}

/** True for a hook handler that runs Relay's `relay hook <arg>` for this agent. */
function relayHandlerOf(agent: InstalledAgent): (handler: unknown) => boolean {
  return (h) => isRelayHandler(h, agent.hook.arg);
}

export function jsonHooksInstaller(o: JsonHooksInstallerOptions): AgentInstaller {
  const isOurs = relayHandlerOf(o.agent);
  const role = o.agent.installRole;
  return {
    agent: o.agent.kind,
    role,
    planInstall(file: string, before: Buffer | null, hook: HookCommandSpec, version?: string | null): AgentInstallPlan {
      const doc = JsonText.parse(file, before, o.dialect);
      const spec: HooksSpec = { ...o.spec(relayHookCommand(hook, o.agent.hook.arg), version ?? null), isOurs };
      const hadOurs = hasOurHooks(doc, isOurs);
      const created = [...installHooks(doc, spec), ...(o.extraInstall?.(doc) ?? [])];
      let after = doc.toBuffer();
      // A file install creates ends with a newline, as editors write them.
      if (before === null && !after.toString('utf8').endsWith('\n')) after = Buffer.concat([after, Buffer.from('\n')]);
      const unchanged = before !== null && before.equals(after);
      const events = spec.events.map((e) => e.event).join(', ');
      const summary = unchanged ? 'already installed' : `${hadOurs ? 'hooks updated' : 'hooks added'}: ${events}`;
      const data = unchanged ? undefined : o.installData?.(file);
      return {
        change: { path: file, role, before, after, created, summary, ...(data ? { data } : {}) },
        notes: o.notes?.(doc, version ?? null) ?? [],
      };
    },
    strip(file: string, current: Buffer, created: readonly DocPath[] | null, deleteIfEmpty: boolean): Buffer | null {
      const doc = JsonText.parse(file, current, o.dialect);
      removeHooks(doc, isOurs, created);
      o.extraStrip?.(doc, created);
      if (deleteIfEmpty && doc.isEmptyObject()) return null;
      return doc.toBuffer();
    },
    hasOurs(file: string, current: Buffer): boolean {
      try {
        return hasOurHooks(JsonText.parse(file, current, o.dialect), isOurs);
      } catch {
        return false;
      }
    },
    ...(o.uninstallCompanion ? { uninstallCompanion: (file, current, recorded) => o.uninstallCompanion!(file, current, recorded, isOurs) } : {}),
  };
}
