/** The installer for each agent CLI Relay knows. */
import type { AgentInstaller } from './agentInstaller.js';
import { claudeInstaller } from './claudeInstaller.js';
import { codexInstaller } from './codexInstaller.js';
import type { InstallAgent } from './detect.js';
import { geminiInstaller } from './geminiInstaller.js';
import { opencodeInstaller } from './opencodeInstaller.js';

export const AGENT_INSTALLERS: Readonly<Record<InstallAgent, AgentInstaller>> = {
  claude: claudeInstaller,
  codex: codexInstaller,
  gemini: geminiInstaller,
  opencode: opencodeInstaller,
};
