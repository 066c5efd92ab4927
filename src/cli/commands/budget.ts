/**
 * `relay budget [show | set --task X --daily Y --monthly Z | clear [--task] [--daily] [--monthly]]`:
 * the spending limits the daemon's budget guard holds for every client. Amounts are dollars on the
 * command line and integer micro-dollars on the wire.
 */
import type { BudgetLimits, BudgetState } from '../../protocol/providerProtocol.js';
import { withDaemonClient } from '../../client/daemonLauncher.js';
import { RelayError } from '../../platform/errors.js';
import { relayPaths } from '../../platform/paths.js';
import { formatBudgetState } from '../../ui/budgetView.js';
import { parseDollars } from '../../ui/money.js';
import { printJson, printLine, runCommand, type CommonOptions } from '../output.js';

type Scope = 'task' | 'daily' | 'monthly';
const SCOPES: readonly Scope[] = ['task', 'daily', 'monthly'];

interface BudgetSetOptions extends CommonOptions {
  task?: string;
  daily?: string;
  monthly?: string;
}

interface BudgetClearOptions extends CommonOptions {
  task?: boolean;
  daily?: boolean;
  monthly?: boolean;
}

function print(state: BudgetState, json: boolean | undefined): void {
  if (json) printJson(state);
  else printLine(formatBudgetState(state).join('\n'));
}

/** The limits the flags give, parsed from dollars. Throws E_USAGE when none is given or one is not an amount. */
export function limitsFromFlags(opts: BudgetSetOptions): BudgetLimits {
  if (opts.task === undefined && opts.daily === undefined && opts.monthly === undefined) {
    throw new RelayError('E_USAGE', 'relay budget set needs at least one limit', {
      hint: 'e.g. relay budget set --daily 1 --monthly 20 (dollars); relay budget clear removes limits',
    });
  }
  return {
    ...(opts.task === undefined ? {} : { taskMicros: parseDollars(opts.task, '--task') }),
    ...(opts.daily === undefined ? {} : { dailyMicros: parseDollars(opts.daily, '--daily') }),
    ...(opts.monthly === undefined ? {} : { monthlyMicros: parseDollars(opts.monthly, '--monthly') }),
  };
}

export function budgetShow(opts: CommonOptions): Promise<number> {
  return runCommand(opts.json, async () => {
    print(await withDaemonClient(relayPaths(), (client) => client.request('budget.show', {})), opts.json);
  });
}

export function budgetSet(opts: BudgetSetOptions): Promise<number> {
  return runCommand(opts.json, async () => {
    // Parsed before the daemon is asked (or started): a typo changes nothing.
    const limits = limitsFromFlags(opts);
    print(await withDaemonClient(relayPaths(), (client) => client.request('budget.set', limits)), opts.json);
  });
}

/** With no flag, every limit goes. */
export function budgetClear(opts: BudgetClearOptions): Promise<number> {
  return runCommand(opts.json, async () => {
    const scopes = SCOPES.filter((s) => opts[s] === true);
    const payload = scopes.length === 0 ? {} : { scopes };
    print(await withDaemonClient(relayPaths(), (client) => client.request('budget.clear', payload)), opts.json);
  });
}
