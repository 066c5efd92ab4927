/** The installer for each agent CLI whose config Relay edits, looked up by kind or install role. */
import type { KnownKind } from '../adapters/registry.js';
import type { AgentInstaller } from './agentInstaller.js';
import { claudeInstaller } from './claudeInstaller.js';
import { codexInstaller } from './codexInstaller.js';
import { geminiInstaller } from './geminiInstaller.js';
import { opencodeInstaller } from './opencodeInstaller.js';

const INSTALLERS: readonly AgentInstaller[] = [claudeInstaller, codexInstaller, geminiInstaller, opencodeInstaller];

/** The installer of `agent`'s config. */
export function installerFor(agent: KnownKind): AgentInstaller {
  const found = INSTALLERS.find((i) => i.agent === agent);
  if (!found) throw new Error(`no installer for ${agent}`);
  return found;
}

/** The installer that wrote a manifest entry of `role`, or undefined for one of Relay's own roles. */
export function installerForRole(role: string): AgentInstaller | undefined {
  return INSTALLERS.find((i) => i.role === role);
}
