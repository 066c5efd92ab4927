/**
 * `relay install`: detect the agent CLIs, plan every file change (agent hooks, the OpenCode
 * plugin, the handoff order in config.yaml, the systemd unit, the Warp snippet), and — unless
 * it is a dry run — write them all, then enable autostart. Planning parses every file first,
 * so one file Relay cannot read stops the command before anything is written.
 */
import { existsSync } from 'node:fs';
import { relayHomeFrom, relayPaths, userHome } from '../platform/paths.js';
import { CLI_ENTRY, DAEMON_ENTRY } from '../platform/packageInfo.js';
import { installerFor } from './agentInstallers.js';
import { applyInstall, recordAutostart } from './applyInstall.js';
import { isOurUnit, probeSystemd, systemctlUser, UNIT_NAME, unitPath, unitText } from './autostart.js';
import { detectAgents, type AgentDetection, type InstallAgent } from './detect.js';
import { actionOf, isEffective, type FileAction, type FileChange, type FileRole } from './fileChange.js';
import { planHandoffOrder, type HandoffOrderChoice, type HandoffOrderData, type HandoffOrderStatus } from './handoffOrder.js';
import type { HookCommandSpec } from '../hooks/hookCommand.js';
import { readBytes } from './installFs.js';
import { entryFor, readManifest } from './manifest.js';
import { unifiedDiffs } from './unifiedDiff.js';
import { warpInstructions, warpSnippet, warpSnippetPath } from './warpSnippet.js';

interface InstallOptions {
  handoffOrder: HandoffOrderChoice;
  autostart: boolean;
  warp: boolean;
  dryRun: boolean;
}

type AgentStatus = 'installed' | 'updated' | 'already installed' | 'not found';

export interface AgentReport {
  agent: InstallAgent;
  found: boolean;
  binary: string | null;
  version: string | null;
  file: string;
  status: AgentStatus;
  summary: string;
}

export interface FileReport {
  path: string;
  role: FileRole;
  action: FileAction;
  summary: string;
  /** Where the bytes from before were saved (this run only). */
  backup?: string;
}

type AutostartStatus = 'enabled' | 'already enabled' | 'would enable' | 'skipped' | 'failed';

export interface AutostartReport {
  status: AutostartStatus;
  unit: string | null;
  reason?: string;
}

export interface InstallReport {
  dryRun: boolean;
  relayHome: string;
  agents: AgentReport[];
  files: FileReport[];
  handoffOrder: { status: HandoffOrderStatus; order: string[] | null; file: string; reason?: string };
  autostart: AutostartReport;
  warp: { file: string; instructions: string } | null;
  notes: string[];
  /** Unified diffs of what changes (or, with --dry-run, would change). */
  diff: string;
  changed: boolean;
}

/** How the agents' hooks call Relay: this node, this checkout, and RELAY_HOME when set explicitly. */
function hookCommandSpec(env: NodeJS.ProcessEnv): HookCommandSpec {
  return { node: process.execPath, cliEntry: CLI_ENTRY, relayHome: env.RELAY_HOME?.trim() ? relayHomeFrom(env) : undefined };
}

function asHandoffData(data: Record<string, unknown> | undefined): HandoffOrderData | undefined {
  const written = data?.written;
  const previous = data?.previous;
  if (!Array.isArray(written)) return undefined;
  return { written: written.map(String), previous: Array.isArray(previous) ? previous.map(String) : null, inferred: data?.inferred === true };
}

function agentReport(d: AgentDetection, change: FileChange | null, hadOurs: boolean): AgentReport {
  const base = { agent: d.agent, found: d.binary !== null, binary: d.binary, version: d.version, file: d.config.file };
  if (!change) return { ...base, status: 'not found', summary: 'not on the PATH' };
  if (!isEffective(change)) return { ...base, status: 'already installed', summary: 'already installed' };
  return { ...base, status: hadOurs ? 'updated' : 'installed', summary: change.summary };
}

export async function runInstall(opts: InstallOptions, env: NodeJS.ProcessEnv): Promise<InstallReport> {
  userHome(env);
  const relayHome = relayHomeFrom(env);
  const hook = hookCommandSpec(env);
  const manifest = readManifest(relayHome);
  const detections = await detectAgents(env);

  const changes: FileChange[] = [];
  const notes: string[] = [];
  const agents: AgentReport[] = [];
  for (const d of detections) {
    if (!d.binary) {
      agents.push(agentReport(d, null, false));
      continue;
    }
    const installer = installerFor(d.agent);
    const before = readBytes(d.config.file);
    const plan = installer.planInstall(d.config.file, before, hook, d.version);
    changes.push(plan.change);
    notes.push(...plan.notes);
    agents.push(agentReport(d, plan.change, before !== null && installer.hasOurs(d.config.file, before)));
  }

  const found = detections.filter((d) => d.binary !== null).map((d) => d.agent);
  const configFile = relayPaths(relayHome).config;
  const order = planHandoffOrder(configFile, readBytes(configFile), opts.handoffOrder, found, asHandoffData(entryFor(manifest, configFile)?.data));
  if (order.change) changes.push(order.change);

  let autostart: AutostartReport;
  let systemctl: string | null = null;
  let unitChanged = false;
  const unit = unitPath(env);
  if (!opts.autostart) {
    autostart = { status: 'skipped', unit: null, reason: '--no-autostart' };
  } else {
    const probe = await probeSystemd(env);
    const unitBefore = readBytes(unit);
    if (!probe.ok) {
      autostart = { status: 'skipped', unit: null, reason: probe.reason };
    } else if (!existsSync(DAEMON_ENTRY)) {
      autostart = { status: 'skipped', unit: null, reason: `Relay is not built (${DAEMON_ENTRY} is missing; run npm run build)` };
    } else if (unitBefore !== null && !isOurUnit(unitBefore)) {
      autostart = { status: 'skipped', unit: null, reason: `${unit} exists and was not written by Relay` };
    } else {
      const after = Buffer.from(unitText({ node: hook.node, daemonEntry: DAEMON_ENTRY, relayHome, path: env.PATH }));
      const change: FileChange = {
        path: unit,
        role: 'autostart-unit',
        before: unitBefore,
        after,
        summary: unitBefore === null ? 'systemd user unit written' : 'systemd user unit updated',
      };
      changes.push(change);
      unitChanged = isEffective(change);
      systemctl = probe.systemctl;
      autostart = { status: 'would enable', unit };
    }
  }

  let warp: InstallReport['warp'] = null;
  if (opts.warp) {
    const file = warpSnippetPath(relayHome);
    const before = readBytes(file);
    const after = Buffer.from(warpSnippet({ node: hook.node, cliEntry: hook.cliEntry, relayHome }));
    changes.push({ path: file, role: 'warp-mcp', before, after, summary: 'MCP server entry for Warp' });
    warp = { file, instructions: warpInstructions(file) };
  }

  const backups = new Map<string, string>();
  if (opts.dryRun && systemctl !== null && !unitChanged && (await systemctlUser(systemctl, ['is-enabled', UNIT_NAME], env)).ok) {
    autostart = { status: 'already enabled', unit };
  }
  if (!opts.dryRun) {
    const { manifest: written, applied } = applyInstall(relayHome, manifest, changes, hook);
    for (const a of applied) if (a.backup) backups.set(a.path, a.backup);
    if (systemctl !== null) {
      if (unitChanged) await systemctlUser(systemctl, ['daemon-reload'], env);
      const enabled = !unitChanged && (await systemctlUser(systemctl, ['is-enabled', UNIT_NAME], env)).ok;
      if (enabled) {
        autostart = { status: 'already enabled', unit };
      } else {
        const r = await systemctlUser(systemctl, ['enable', UNIT_NAME], env);
        autostart = r.ok ? { status: 'enabled', unit } : { status: 'failed', unit, reason: `systemctl --user enable ${UNIT_NAME}: ${r.detail}` };
      }
      const wasEnabled = written?.autostart?.enabled === true;
      const nowEnabled = autostart.status === 'enabled' || autostart.status === 'already enabled';
      if (written && (nowEnabled !== wasEnabled || written.autostart?.systemctl !== systemctl)) {
        recordAutostart(relayHome, written, { unit, enabled: nowEnabled || wasEnabled, systemctl });
      }
    }
  }

  const files: FileReport[] = changes.map((c) => ({
    path: c.path,
    role: c.role,
    action: actionOf(c),
    summary: isEffective(c) ? c.summary : 'unchanged',
    ...(backups.has(c.path) ? { backup: backups.get(c.path)! } : {}),
  }));
  return {
    dryRun: opts.dryRun,
    relayHome,
    agents,
    files,
    handoffOrder: { status: order.status, order: order.order, file: configFile, ...(order.reason ? { reason: order.reason } : {}) },
    autostart,
    warp,
    notes: [...new Set(notes)],
    diff: unifiedDiffs(changes),
    changed: changes.some(isEffective),
  };
}
