/**
 * `relay budget [show]`, `relay budget set --task|--daily|--monthly USD`, `relay budget clear
 * [--task] [--daily] [--monthly]`: the limits the daemon's budget guard holds for every client.
 * Each prints the limits as they now are.
 */
import { withDaemonClient } from '../../client/daemonLauncher.js';
import { relayPaths } from '../../platform/paths.js';
import type { BudgetState } from '../../protocol/providerProtocol.js';
import { formatBudgetState } from '../../ui/budgetView.js';
import { budgetLimitsOf, budgetScopesOf, type BudgetClearFlags, type BudgetSetFlags } from '../budgetArgs.js';
import { printJson, printLine, runCommand, type CommonOptions } from '../output.js';

function print(state: BudgetState, json: boolean | undefined): void {
  if (json) printJson(state);
  else printLine(formatBudgetState(state).join('\n'));
}

export function budgetShow(opts: CommonOptions): Promise<number> {
  return runCommand(opts.json, async () => {
    print(await withDaemonClient(relayPaths(), (client) => client.request('budget.show', {})), opts.json);
  });
}

export function budgetSet(opts: BudgetSetFlags & CommonOptions): Promise<number> {
  return runCommand(opts.json, async () => {
    // Checked before the daemon is started: a typo in an amount needs no daemon to be told.
    const limits = budgetLimitsOf(opts);
    print(await withDaemonClient(relayPaths(), (client) => client.request('budget.set', limits)), opts.json);
  });
}

export function budgetClear(opts: BudgetClearFlags & CommonOptions): Promise<number> {
  return runCommand(opts.json, async () => {
    const scopes = budgetScopesOf(opts);
    print(await withDaemonClient(relayPaths(), (client) => client.request('budget.clear', scopes ? { scopes } : {})), opts.json);
  });
}
