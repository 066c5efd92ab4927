/**
 * The workspace's shared shapes: a key, an overlay, what the workspace needs from its
 * surroundings, and what the command actions need from it. The controller, the views, the
 * command actions and the screen all use them; none of them owns them.
 */
import type { RelayMode } from '../../config/modeSetting.js';
import type { AgentInfo } from '../../protocol/agentProtocol.js';
import type { StoredFact } from '../../protocol/knowledgeProtocol.js';
import type { BudgetState, CallPlan, CostReport, ProviderInfo, ProviderLookup } from '../../protocol/providerProtocol.js';
import type { SessionInfo } from '../../protocol/sessionProtocol.js';
import type { Localization } from '../i18n/i18n.js';
import type { GraphRow } from '../sessionGraphView.js';
import type { ConversationModel } from './conversationModel.js';
import type { PaletteItem } from './fuzzyFilter.js';
import type { InputLine } from './inputLine.js';
import type { DaemonLink } from './workspaceLink.js';

/** A key as the terminal layer reports it: `full` is `C-p`, `escape`, `enter`, `a`, `中`. */
export interface Key {
  full: string;
  /** The character typed, for printable keys. */
  ch?: string;
  /** The raw bytes, passed on to an attached agent. */
  sequence?: string;
}

/** An agent's terminal drawn in the workspace (see agentPane.ts). */
export interface AgentView {
  readonly agentId: string | null;
  /** The last relay banner (a handoff as it happened). */
  readonly banner: string | undefined;
  send(data: string): void;
  /** The agent's screen, top to bottom, as plain text. */
  rows(): string[];
  /** The pane changed size. */
  resize(): void;
  close(): Promise<void>;
}

export type Overlay =
  | { kind: 'palette'; query: InputLine; items: PaletteItem[]; selected: number }
  | { kind: 'sessions'; purpose: 'switch' | 'merge' | 'attach'; query: InputLine; all: SessionInfo[]; shown: SessionInfo[]; selected: number }
  | { kind: 'graph'; rows: GraphRow[]; selected: number }
  | { kind: 'knowledge'; query: InputLine; facts: StoredFact[]; selected: number }
  | { kind: 'cost'; report: CostReport; budget: BudgetState }
  | { kind: 'help' }
  | { kind: 'confirm'; taskId: string; step: number; plan: CallPlan }
  | { kind: 'agents'; agents: AgentInfo[]; selected: number }
  | { kind: 'agent'; view: AgentView; name: string }
  | { kind: 'setup'; lookedFor: ProviderLookup[]; found: ProviderInfo[]; selected: number };

/** The first-run choices, in the order shown (ui.setup.option<Name>). */
export const SETUP_OPTIONS = ['Openai', 'Anthropic', 'Google', 'Deepseek', 'Local', 'Cli', 'Skip'] as const;
export type SetupOption = (typeof SETUP_OPTIONS)[number];

export interface WorkspaceEnv {
  link: DaemonLink;
  l10n: Localization;
  /** The user's environment (API keys travel with each request, never stored). */
  env: Record<string, string>;
  cwd: string;
  home: string;
  now: () => number;
  newTaskId: () => string;
  /** Set the mode in config.yaml; the mode in force after. */
  writeMode: (mode: RelayMode) => RelayMode;
  /** Open an agent's terminal inside the workspace; `onEnd` gets one line when it ends. */
  openAgent?: (agentId: string, onEnd: (line: string) => void) => Promise<AgentView>;
  /** Write the first-run choice to config.yaml: the file written, and the key's variable for a key. */
  writeSetup?: (option: Exclude<SetupOption, 'Skip'>) => { file: string; envVar?: string };
  /** Redraw soon. */
  changed: () => void;
  /** The user quit. */
  quit: () => void;
  /** Sent lines of earlier runs, oldest first (Up brings them back). */
  history?: readonly string[];
  /** Keep a sent line for the next run. */
  remember?: (line: string) => void;
}

/**
 * What the command actions (workspaceCommands.ts) use of the workspace: the controller is one.
 * Kept apart so the actions do not depend on the controller that calls them.
 */
export interface CommandHost {
  session: SessionInfo | undefined;
  overlay: Overlay | null;
  mode: RelayMode | undefined;
  provider: string | undefined;
  providers: ProviderInfo[];
  agents: AgentInfo[];
  budget: BudgetState | undefined;
  readonly conversation: ConversationModel;
  translate(key: string, vars?: Record<string, unknown>): string;
  say(text: string, kind?: 'info' | 'error'): void;
  show(ref: string | undefined): Promise<void>;
  switchTo(ref: string): Promise<void>;
  needSession(): SessionInfo;
  pickSession(purpose: 'switch' | 'merge' | 'attach'): Promise<void>;
  refreshAgents(): Promise<void>;
  refreshProviders(): Promise<{ providers: ProviderInfo[]; lookedFor: ProviderLookup[] } | undefined>;
}
