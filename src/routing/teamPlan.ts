/**
 * Which workers a task goes to, in order, and what each is sent. Most intents are one worker; a
 * design goes to an architect and then to a reviewer, whose request holds the architect's answer
 * (a second opinion on the proposal, not a second proposal).
 */
import { RelayError } from '../platform/errors.js';
import type { ChatMessage } from '../protocol/providerProtocol.js';
import type { TaskIntent } from './classifyTask.js';
import type { WorkerRole } from './workerRoles.js';

/** The built-in roles each intent goes to, in order. */
const TEAMS: Readonly<Record<TaskIntent, readonly string[]>> = {
  chat: ['chat'],
  explain: ['explainer'],
  code: ['coder'],
  review: ['reviewer'],
  design: ['architect', 'reviewer'],
  write: ['writer'],
  research: ['researcher'],
};

/** The names of the built-in roles any team uses: a config entry of that name replaces it instead. */
const TEAMS_BY_ROLE: Readonly<Record<string, true>> = Object.fromEntries(Object.values(TEAMS).flat().map((n) => [n, true]));

/**
 * The workers for `intent`, in the order they run. `forcedWorker` (`--worker NAME`) is the only
 * step; an unknown name throws E_USAGE naming the known ones. A role from config.yaml that lists
 * the intent takes the first step in place of the built-in one (the user's own coder gets the
 * code tasks). An intent without a team (one only config knows) goes to chat.
 */
export function planTeam(intent: string, roles: readonly WorkerRole[], forcedWorker?: string): WorkerRole[] {
  const byName = new Map(roles.map((r) => [r.name, r]));
  if (forcedWorker !== undefined) {
    const forced = byName.get(forcedWorker);
    if (!forced) {
      throw new RelayError('E_USAGE', `unknown worker "${forcedWorker}"; the workers are ${roles.map((r) => r.name).join(', ')}`, {
        hint: 'relay workers lists them; add one under workers: in config.yaml',
      });
    }
    return [forced];
  }
  const names = Object.hasOwn(TEAMS, intent) ? [...TEAMS[intent as TaskIntent]] : [];
  const own = roles.find((r) => r.source === 'config' && !Object.hasOwn(TEAMS_BY_ROLE, r.name) && r.intents.includes(intent));
  if (own) names[0] = own.name;
  const team = names.flatMap((n) => byName.get(n) ?? []);
  if (team.length > 0) return team;
  const fallback = byName.get('chat') ?? roles[0];
  if (!fallback) throw new RelayError('E_CONFIG', 'no workers are defined', { hint: 'remove the workers: entries that replace the built-in ones' });
  return [fallback];
}

/** `reviewer` → `Reviewer`, for the headings of a step's request. */
const titled = (worker: string): string => worker.charAt(0).toUpperCase() + worker.slice(1);

/**
 * The messages of one step: the role's system prompt, then one user message. The context
 * (piped stdin) comes before the request, so a long paste is read with the question fresh at
 * the end; the answers of earlier steps come after the request, labelled by worker.
 */
export function stepMessages(
  role: WorkerRole,
  task: string,
  context: string | undefined,
  previous: ReadonlyArray<{ worker: string; text: string }>,
): ChatMessage[] {
  const parts: string[] = [];
  if (context !== undefined && context.trim() !== '') parts.push(`<context>\n${context.replace(/\s+$/, '')}\n</context>`);
  if (previous.length === 0) parts.push(task);
  else {
    parts.push(`The request:\n${task}`);
    for (const p of previous) parts.push(`${titled(p.worker)}'s answer:\n<${p.worker}>\n${p.text.replace(/\s+$/, '')}\n</${p.worker}>`);
    const last = previous[previous.length - 1]!.worker;
    parts.push(`As the ${role.name}, respond to the ${last}'s answer above for this request.`);
  }
  return [
    { role: 'system', content: role.systemPrompt },
    { role: 'user', content: parts.join('\n\n') },
  ];
}
