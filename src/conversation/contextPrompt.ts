/**
 * An assembled context as one first prompt for an agent CLI (`relay session open <id> --in
 * codex`). An interactive CLI takes one text, not a message list, so the parts are written out
 * in order with who said what, and the prompt ends by asking the agent to carry on — the same
 * shape a handoff snapshot has, so an agent reads both the same way.
 */
import type { ContextPlanInfo } from '../protocol/sessionProtocol.js';

const SPEAKER: Record<'system' | 'user' | 'assistant', string> = { system: 'Context', user: 'User', assistant: 'Assistant' };

export function contextPrompt(plan: ContextPlanInfo): string {
  const lines = [
    `You are continuing Relay session #${plan.session}, begun elsewhere (another agent or model).`,
    'Its conversation so far follows, oldest first. Read it, then carry on from the last request; do not repeat finished work.',
    '',
  ];
  for (const p of plan.parts) {
    if (p.kind === 'request') continue;
    lines.push(`## ${p.kind === 'facts' ? 'Remembered facts' : p.kind === 'summary' ? 'Summary of earlier turns' : SPEAKER[p.role]}`, p.content.trim(), '');
  }
  const request = plan.parts.find((p) => p.kind === 'request');
  lines.push(request ? `## Now\n${request.content.trim()}` : '## Now\nContinue where the conversation left off.');
  return lines.join('\n');
}
