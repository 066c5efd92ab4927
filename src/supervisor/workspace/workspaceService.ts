/**
 * What the daemon's workspace engine offers its bus handlers: provider and model listings, the
 * worker roles, tasks (plan, run, confirm, cancel, list), and the budget guard's limits and ledger.
 * The handlers check payloads and delegate here; nothing here knows about the bus.
 */
import type { ProviderRequests } from '../../protocol/providerProtocol.js';

type Result<T extends keyof ProviderRequests> = ProviderRequests[T]['result'];
type Payload<T extends keyof ProviderRequests> = ProviderRequests[T]['payload'];

export interface WorkspaceService {
  providers(env: Record<string, string>): Promise<Result<'providers.list'>>;
  models(env: Record<string, string>): Promise<Result<'models.list'>>;
  workers(): Result<'workers.list'>;
  plan(p: Payload<'task.plan'>): Promise<Result<'task.plan'>>;
  run(p: Payload<'task.run'>): Promise<Result<'task.run'>>;
  confirm(p: Payload<'task.confirm'>): Result<'task.confirm'>;
  cancel(p: Payload<'task.cancel'>): Result<'task.cancel'>;
  /** The tasks running now, with what each has said so far. */
  list(p: Payload<'task.list'>): Result<'task.list'>;
  budgetShow(): Result<'budget.show'>;
  budgetSet(limits: Payload<'budget.set'>): Result<'budget.set'>;
  budgetClear(scopes: Payload<'budget.clear'>['scopes']): Result<'budget.clear'>;
  costReport(days: number | undefined): Result<'cost.report'>;
}
