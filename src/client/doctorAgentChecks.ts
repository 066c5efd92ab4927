/**
 * `relay doctor`, one check per agent CLI: is it installed (and which version), does its config
 * parse, are Relay's hooks in it, and do they run this Relay. The install modules load only when
 * the check runs, as every doctor check keeps its imports to itself.
 */
import { readFileSync } from 'node:fs';
import { isRelayError } from '../platform/errors.js';
import { findOnPath } from '../platform/findOnPath.js';
import { CLI_ENTRY } from '../platform/packageInfo.js';
import { shellQuote } from '../platform/shellQuote.js';
import type { RelayPaths } from '../platform/paths.js';
import { AGENT_CLIS, descriptorOf, type KnownKind } from '../adapters/registry.js';
import type { CheckOutcome, DoctorCheck } from './doctorCheck.js';

function readOrNull(file: string): Buffer | null {
  try {
    return readFileSync(file);
  } catch {
    return null;
  }
}

async function checkAgent(agent: KnownKind, env: NodeJS.ProcessEnv): Promise<CheckOutcome> {
  const [{ configLocation, readVersion }, { installerFor }] = await Promise.all([
    import('../install/detect.js'),
    import('../install/agentInstallers.js'),
  ]);
  const descriptor = descriptorOf(agent);
  const binary = descriptor.binaries.map((b) => findOnPath(b, env.PATH ?? '')).find((p) => p !== null) ?? null;
  const config = configLocation(agent, env);
  const bytes = readOrNull(config.file);
  if (!binary && !bytes) return { status: 'ok', detail: 'not installed' };
  const version = binary ? await readVersion(binary, env, 5_000) : null;
  const found = binary ? `${agent} ${version ?? '(version unknown)'}` : `${agent} not on PATH`;
  const installer = installerFor(agent);
  if (!bytes || !installer.hasOurs(config.file, bytes)) {
    // A config that does not parse is reported as such, not as "hooks missing".
    if (bytes) {
      try {
        installer.planInstall(config.file, bytes, { node: process.execPath, cliEntry: CLI_ENTRY });
      } catch (e) {
        if (isRelayError(e)) return { status: 'fail', detail: `${found}; ${e.message}`, fix: e.hint ?? `fix ${config.file}` };
        throw e;
      }
    }
    return { status: 'warn', detail: `${found}; Relay's hooks are not in ${config.file}`, fix: 'relay install' };
  }
  if (!bytes.toString('utf8').includes(shellQuote(CLI_ENTRY))) {
    return {
      status: 'warn',
      detail: `${found}; the hooks in ${config.file} run another Relay, not ${CLI_ENTRY}`,
      fix: 'relay install (it replaces them)',
    };
  }
  const note = descriptor.hookNote;
  return { status: 'ok', detail: `${found}; hooks in ${config.file}${note ? ` — ${note}` : ''}` };
}

/** One doctor check per agent CLI. */
export function agentHookChecks(env: NodeJS.ProcessEnv = process.env): DoctorCheck[] {
  return AGENT_CLIS.filter((d) => d.installRole !== null).map(({ kind: agent }) => ({
    id: `hooks:${agent}`,
    title: `${agent} hooks`,
    run: (_paths: RelayPaths) => checkAgent(agent, env),
  }));
}
