/**
 * Bus handlers for the workspace requests (`providers.list`, `task.run`, `budget.set`, …).
 * Payloads crossed a process boundary, so each field is checked here and a bad one is an
 * E_USAGE error naming it; the work itself is the {@link WorkspaceService}'s.
 */
import { isAbsolute } from 'node:path';
import type { RequestHandler } from '../../bus/busServer.js';
import type { BudgetLimits, ProviderRequests, TaskOptions } from '../../protocol/providerProtocol.js';
import { RelayError } from '../../platform/errors.js';
import type { WorkspaceService } from '../workspace/workspaceService.js';

type WorkspaceHandlers = { [T in keyof ProviderRequests]: RequestHandler<T> };

/** A task's text and piped context together stay well under the bus's 8 MiB frame. */
const MAX_TASK_BYTES = 4 * 1024 * 1024;
const BUDGET_SCOPES = ['task', 'daily', 'monthly'] as const;

function usage(message: string, hint?: string): RelayError {
  return new RelayError('E_USAGE', message, hint ? { hint } : {});
}

function env(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw usage('env must be an object of strings');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}

function text(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw usage(`${field} is empty`, 'say what the task is: relay "explain this error"');
  if (Buffer.byteLength(value) > MAX_TASK_BYTES) throw usage(`${field} is over ${MAX_TASK_BYTES / 1024 / 1024} MiB`, 'give a shorter task, or point it at a file');
  return value;
}

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw usage(`${field} must be a non-empty string`);
  return value;
}

function options(value: unknown): TaskOptions {
  const o = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const out: TaskOptions = {};
  const worker = optionalString(o.worker, 'worker');
  const provider = optionalString(o.provider, 'provider');
  const model = optionalString(o.model, 'model');
  if (worker) out.worker = worker;
  if (provider) out.provider = provider;
  if (model) out.model = model;
  if (o.premium === true) out.premium = true;
  if (o.confirm === true) out.confirm = true;
  return out;
}

function cwd(value: unknown): string {
  if (typeof value !== 'string' || !isAbsolute(value)) throw usage('cwd must be an absolute directory path');
  return value;
}

function taskId(value: unknown): string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(value)) throw usage('taskId must be 1-64 letters, digits, _ or -');
  return value;
}

function micros(value: unknown, field: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw usage(`${field} must be a whole number of micro-dollars, 0 or more`);
  return value;
}

export function workspaceHandlers(ws: WorkspaceService): WorkspaceHandlers {
  return {
    'providers.list': (p) => ws.providers(env(p?.env)),
    'models.list': (p) => ws.models(env(p?.env)),
    'workers.list': () => ws.workers(),
    'task.plan': (p) => ws.plan({ text: text(p?.text, 'task'), options: options(p?.options), env: env(p?.env), cwd: cwd(p?.cwd) }),
    'task.run': (p) => {
      const context = p?.context === undefined ? undefined : text(p.context, 'context');
      const sessionId = optionalString(p?.sessionId, 'sessionId');
      return ws.run({
        taskId: taskId(p?.taskId),
        text: text(p?.text, 'task'),
        ...(context !== undefined ? { context } : {}),
        ...(sessionId ? { sessionId } : {}),
        ...(p?.newSession === true ? { newSession: true } : {}),
        options: options(p?.options),
        env: env(p?.env),
        cwd: cwd(p?.cwd),
      });
    },
    'task.confirm': (p) => {
      if (typeof p?.step !== 'number' || typeof p?.yes !== 'boolean') throw usage('task.confirm needs a step number and yes: true|false');
      return ws.confirm({ taskId: taskId(p.taskId), step: p.step, yes: p.yes });
    },
    'task.cancel': (p) => ws.cancel({ taskId: taskId(p?.taskId) }),
    'task.list': (p) => {
      const session = optionalString(p?.session, 'session');
      return ws.list(session ? { session } : {});
    },
    'budget.show': () => ws.budgetShow(),
    'budget.set': (p) => {
      const limits: BudgetLimits = {};
      const task = micros(p?.taskMicros, 'taskMicros');
      const daily = micros(p?.dailyMicros, 'dailyMicros');
      const monthly = micros(p?.monthlyMicros, 'monthlyMicros');
      if (task !== undefined) limits.taskMicros = task;
      if (daily !== undefined) limits.dailyMicros = daily;
      if (monthly !== undefined) limits.monthlyMicros = monthly;
      if (Object.keys(limits).length === 0) throw usage('no limit given', 'relay budget set --daily 1.00 (also --task, --monthly; US dollars)');
      return ws.budgetSet(limits);
    },
    'budget.clear': (p) => {
      const scopes = p?.scopes;
      if (scopes !== undefined && (!Array.isArray(scopes) || scopes.some((s) => !BUDGET_SCOPES.includes(s)))) {
        throw usage(`scopes must be some of ${BUDGET_SCOPES.join(', ')}`);
      }
      return ws.budgetClear(scopes);
    },
    'cost.report': (p) => {
      const days = p?.days;
      if (days !== undefined && (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > 366)) throw usage('days must be a whole number from 1 to 366');
      return ws.costReport(days);
    },
  };
}
