/**
 * What a task is, told from its words alone: no model call (that would cost money and a second
 * of latency before the real answer even starts). Rules are data: each adds weight to one intent
 * when it matches, the request's leading verb weighing most ("explain", "fix", "review"); the
 * heaviest intent wins, ties going to the more demanding one. Deterministic, and fast enough to
 * run on every keystroke of a future TUI prompt.
 */

/** What the task asks for; {@link planTeam} maps it to workers. */
export type TaskIntent = 'chat' | 'explain' | 'code' | 'review' | 'design' | 'write' | 'research';
export const TASK_INTENTS: readonly TaskIntent[] = ['chat', 'explain', 'code', 'review', 'design', 'write', 'research'];

/** How much there is to read and to answer: drives the output allowance. */
export type TaskSize = 'small' | 'medium' | 'large';

export interface TaskClass {
  intent: TaskIntent;
  size: TaskSize;
  /** `code: starts with "fix", names a file; small: 28 characters`. */
  why: string;
}

interface Rule {
  intent: TaskIntent;
  /** Tested against the request with its polite opening removed, lower-cased. */
  pattern: RegExp;
  weight: number;
  /** For `why`. */
  says: string;
}

/** The weight of the request's opening words: what the user asks for, more than what it mentions. */
const LEAD = 4;

const CODE_NOUNS = '(?:function|script|tests?|unit tests?|class|method|program|code|query|regex|endpoint|component|cli|module|hook|migration|parser|bash one-liner|(?:rest |http )?api|app|server|service)';

const RULES: readonly Rule[] = [
  // Openings.
  { intent: 'chat', pattern: /^(?:hi|hello|hey|yo|sup|thanks|thank you|thx|good (?:morning|afternoon|evening)|how are you|ok|okay|cool|nice)\b/, weight: LEAD, says: 'a greeting' },
  {
    intent: 'explain',
    pattern: /^(?:explain|describe|define|teach me|walk me through|eli5|summari[sz]e|tl;?dr|what(?:'s| is| are| does| do)\b|whats\b|how (?:does|do|is|are|can|would)\b|why (?:does|do|is|are|did)\b|tell me (?:about|how|why|what)\b|meaning of\b)/,
    weight: LEAD,
    says: 'asks what or how',
  },
  {
    intent: 'code',
    pattern: /^(?:fix|implement|refactor|debug|add|rename|port|patch|make (?:it|this|the tests?) (?:work|compile|pass)|optimi[sz]e (?:this|the|my)\b)/,
    weight: LEAD,
    says: 'asks for a code change',
  },
  { intent: 'code', pattern: new RegExp(`^(?:write|create|generate|build|give me) (?:me )?(?:a |an |the |some )?(?:\\w+ ){0,3}${CODE_NOUNS}\\b`), weight: LEAD + 1, says: 'asks for code' },
  { intent: 'review', pattern: /^(?:review|code review|critique|audit|look over|check (?:this|my|the|our) (?:diff|pr|pull request|code|patch|change|changes|commit))\b/, weight: LEAD, says: 'asks for a review' },
  {
    intent: 'design',
    pattern: /^(?:design|architect|plan (?:the|a|an|our|how)\b|propose (?:a|an) (?:design|architecture)|how should (?:we|i) (?:structure|design|architect|build|organi[sz]e|model)\b)/,
    weight: LEAD,
    says: 'asks for a design',
  },
  { intent: 'write', pattern: /^(?:write|draft|rewrite|compose|proofread|polish|reword|rephrase|translate|edit (?:this|my)\b)/, weight: LEAD, says: 'asks for writing' },
  {
    intent: 'research',
    pattern: /^(?:research|compare|survey|investigate|find (?:me )?(?:sources|papers|alternatives|options)|what are the (?:options|alternatives|best)\b|which (?:library|framework|database|tool|service|language|model) (?:should|is|to)\b)/,
    weight: LEAD,
    says: 'asks to compare or research',
  },
  // What it mentions.
  { intent: 'code', pattern: /(?:^|[\s(`'"])[\w./-]+\.(?:ts|tsx|js|jsx|mjs|cjs|py|go|rs|java|kt|rb|c|cc|cpp|h|hpp|cs|php|swift|sh|sql)\b/, weight: 2, says: 'names a source file' },
  { intent: 'code', pattern: /\b(?:bug|error|exception|stack ?trace|traceback|segfault|typeerror|referenceerror|null pointer|compile[sr]?|compilation)\b/, weight: 2, says: 'mentions an error' },
  { intent: 'code', pattern: /\b(?:fails?|failing|throws?|crash(?:es|ing)?|broken|(?:does ?n[o']t|is ?n[o']t|not) working)\b/, weight: 3, says: 'something is broken' },
  { intent: 'code', pattern: new RegExp(`\\b${CODE_NOUNS}\\b`), weight: 1, says: 'mentions code' },
  { intent: 'code', pattern: /```/, weight: 1, says: 'holds code' },
  { intent: 'code', pattern: /\bwhat'?s wrong with (?:this|my|the|our)\b/, weight: LEAD, says: 'asks what is broken' },
  { intent: 'review', pattern: /\b(?:review|diff|pull request|pr ?#?\d+|patch|code review|lgtm|feedback on)\b/, weight: 2, says: 'mentions a review or diff' },
  { intent: 'review', pattern: /^(?:\+\+\+ |--- |@@ )/m, weight: 2, says: 'holds a diff' },
  {
    intent: 'design',
    pattern: /\b(?:architect(?:ure|ing)?|system design|design (?:doc|a|an|the|for|of)|rate limiter|high availability|sharding|microservices?|data model|schema design|event sourcing)\b/,
    weight: 2,
    says: 'mentions architecture',
  },
  { intent: 'design', pattern: /\b(?:trade-?offs?|scalab(?:le|ility)|failure modes?)\b/, weight: 2, says: 'weighs trade-offs' },
  { intent: 'explain', pattern: /\b(?:explain|what is|how does|how do|why does|why is|difference between|meaning of|concept of)\b/, weight: 1, says: 'asks to understand' },
  { intent: 'explain', pattern: /\?\s*$/, weight: 1, says: 'a question' },
  {
    intent: 'write',
    pattern: /\b(?:e-?mail|blog post|article|essay|letter|cover letter|announcement|release notes|readme|documentation|tweet|linkedin post|press release|story|poem|speech|newsletter|copy for)\b/,
    weight: 2,
    says: 'names a text to write',
  },
  {
    intent: 'research',
    pattern: /\b(?:compare|comparison|vs\.?|versus|alternatives? to|pros and cons|state of the art|benchmarks?|survey|sources|literature|which is better|best (?:library|tool|framework|practices|way to choose))\b/,
    weight: 2,
    says: 'compares options',
  },
];

/** Ties go to the intent whose worker does the most (a review beats a chat). */
const TIE_ORDER: readonly TaskIntent[] = ['design', 'review', 'code', 'research', 'write', 'explain', 'chat'];

/** Words before the request itself that say nothing about it. */
const POLITE = /^(?:(?:please|pls|plz|hey|ok|so|now|quick question|question)[\s,:!-]+|(?:can|could|would|will) you(?: please)?\s+|i (?:want|need|would like) (?:you )?to\s+|help me(?: to)?\s+|i'd like (?:you )?to\s+)+/;

/** Only the start of a long paste is read: the request is there, and the rules stay fast. */
const READ_CHARS = 8_000;

/** Characters of text plus context (≈ 4 per token) below which a task is small, and from which it is large. */
const SMALL_BELOW = 1_500;
const LARGE_FROM = 24_000;

const WANTS_SHORT = /\b(?:briefly|in one (?:sentence|line|paragraph)|short|quick(?:ly)?|tl;?dr|one-liner|in a few words)\b/;
const WANTS_LONG = /\b(?:in (?:depth|detail)|detailed|comprehensive|thorough(?:ly)?|step[- ]by[- ]step|complete guide|full (?:design|implementation|report))\b/;
const WHOLE_PROJECT = /\b(?:(?:entire|whole) (?:codebase|code base|repo|repository|project|system|app)|all (?:the )?files)\b/;

function sizeOf(intent: TaskIntent, text: string, chars: number): { size: TaskSize; why: string } {
  const counted = `${chars} characters`;
  if (chars >= LARGE_FROM) return { size: 'large', why: counted };
  if (WHOLE_PROJECT.test(text)) return { size: 'large', why: 'covers a whole project' };
  if (WANTS_LONG.test(text)) return { size: 'medium', why: 'asks for depth' };
  // A design or research answer is long however short the question.
  if (intent === 'design' || intent === 'research') return { size: 'medium', why: `${intent} answers are long` };
  if (chars < SMALL_BELOW || WANTS_SHORT.test(text)) return { size: 'small', why: chars < SMALL_BELOW ? counted : 'asks for brevity' };
  return { size: 'medium', why: counted };
}

/**
 * The intent and size of a task from its text and the length of the context that comes with it
 * (piped stdin). A text that matches nothing is chat.
 */
export function classifyTask(text: string, contextChars = 0): TaskClass {
  const lower = text.slice(0, READ_CHARS).toLowerCase().replace(/[’‘]/g, "'").trim();
  const request = lower.replace(POLITE, '');
  const score = new Map<TaskIntent, number>();
  const reasons = new Map<TaskIntent, string[]>();
  for (const r of RULES) {
    if (!r.pattern.test(request)) continue;
    score.set(r.intent, (score.get(r.intent) ?? 0) + r.weight);
    const says = reasons.get(r.intent) ?? [];
    if (!says.includes(r.says)) says.push(r.says);
    reasons.set(r.intent, says);
  }
  let intent: TaskIntent = 'chat';
  let best = 0;
  for (const candidate of TIE_ORDER) {
    const s = score.get(candidate) ?? 0;
    if (s > best) [intent, best] = [candidate, s];
  }
  const size = sizeOf(intent, request, text.length + Math.max(0, contextChars));
  const intentWhy = best === 0 ? 'nothing more specific matched' : reasons.get(intent)!.join(', ');
  return { intent, size: size.size, why: `${intent}: ${intentWhy}; ${size.size}: ${size.why}` };
}
