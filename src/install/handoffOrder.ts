/**
 * The handoff order `relay install` writes to `$RELAY_HOME/config.yaml` (`handoff.order`).
 *
 * - `--handoff-order a b c` writes that order;
 * - by default it is inferred from the agents installed (in Relay's stable order: claude,
 *   codex, gemini, opencode), and only when there are at least two — a handoff needs somewhere
 *   to go. An order already in the file that this install did not write is the user's and is
 *   kept; one Relay wrote earlier is brought up to date;
 * - `--no-handoff-order` leaves the file alone.
 *
 * The rest of config.yaml (comments, other sections, key order) is kept: the edit goes through
 * the yaml package's Document, and the result is validated like any config before it is written.
 */
import { isMap, isSeq, parseDocument, type Document } from 'yaml';
import { INSTALL_AGENTS, type InstallAgent } from './detect.js';
import { isPrefixPath, type DocPath, type FileChange } from './fileChange.js';
import { sameJson } from './jsonText.js';
import { editOrderInText } from './yamlOrderText.js';
import { AGENT_NAMES_HINT, isAgentName } from '../adapters/registry.js';
import { parseConfig, parseConfigYaml } from '../config/relayConfig.js';
import { RelayError } from '../platform/errors.js';

export type HandoffOrderChoice = { kind: 'explicit'; order: string[] } | { kind: 'infer' } | { kind: 'skip' };

export type HandoffOrderStatus = 'written' | 'unchanged' | 'kept' | 'skipped' | 'too few agents';

interface HandoffOrderPlan {
  status: HandoffOrderStatus;
  /** The order config.yaml has after install (null when it has none). */
  order: string[] | null;
  change: FileChange | null;
  /** Why nothing was written, in a few words. */
  reason?: string;
}

/** What the manifest keeps about the order, to undo exactly that. */
export interface HandoffOrderData {
  written: string[];
  /** The order the file had before (the user's), restored by uninstall; null when none. */
  previous: string[] | null;
  /** Inferred (a later install may bring it up to date) or given with --handoff-order (kept). */
  inferred: boolean;
}

/**
 * `--handoff-order` values (space- or comma-separated) as a validated order: known agent
 * names, no repeats, at least two. Throws RelayError E_USAGE.
 */
export function parseHandoffOrderArgs(values: readonly string[]): string[] {
  const order = values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
  const bad = order.find((n) => !isAgentName(n));
  if (bad !== undefined) {
    throw new RelayError('E_USAGE', `--handoff-order: "${bad}" is not an agent name`, {
      hint: `use ${AGENT_NAMES_HINT}, e.g. --handoff-order claude codex gemini`,
    });
  }
  const dup = order.find((n, i) => order.indexOf(n) !== i);
  if (dup !== undefined) throw new RelayError('E_USAGE', `--handoff-order: "${dup}" is named twice`, { hint: 'name each agent once' });
  if (order.length < 2) {
    throw new RelayError('E_USAGE', '--handoff-order needs at least two agents', { hint: 'e.g. --handoff-order claude codex' });
  }
  return order;
}

/** The installed agents in Relay's order; null for fewer than two. */
export function inferHandoffOrder(installed: readonly InstallAgent[]): string[] | null {
  const order = INSTALL_AGENTS.filter((a) => installed.includes(a));
  return order.length >= 2 ? order : null;
}

function currentOrder(doc: Document): string[] | null {
  const node = doc.getIn(['handoff', 'order'], true);
  if (!isSeq(node)) return null;
  const js = node.toJSON() as unknown;
  return Array.isArray(js) && js.length > 0 ? js.map(String) : null;
}

/** The whole document re-printed with the order set: for layouts the text edit does not handle. */
function viaDocument(doc: Document, target: readonly string[]): string {
  const old = doc.getIn(['handoff', 'order'], true);
  const node = doc.createNode([...target]);
  if (isSeq(old) && old.flow) node.flow = true;
  doc.setIn(['handoff', 'order'], node);
  return doc.toString();
}

function parse(file: string, text: string): Document {
  // parseConfig refuses invalid YAML and invalid values with the key and the line.
  parseConfig(text, file);
  return parseDocument(text);
}

/**
 * Plan the config.yaml edit. `previous` is what an earlier install recorded (so an order Relay
 * inferred before is updated, not mistaken for the user's). Throws E_CONFIG for a config.yaml
 * that does not parse or validate.
 */
export function planHandoffOrder(
  file: string,
  before: Buffer | null,
  choice: HandoffOrderChoice,
  installed: readonly InstallAgent[],
  recorded: HandoffOrderData | undefined,
): HandoffOrderPlan {
  if (choice.kind === 'skip') return { status: 'skipped', order: null, change: null, reason: '--no-handoff-order' };
  const text = before === null ? '' : before.toString('utf8');
  const doc = parse(file, text);
  const current = currentOrder(doc);
  let target: string[];
  if (choice.kind === 'explicit') {
    target = choice.order;
  } else {
    const inferred = inferHandoffOrder(installed);
    if (inferred === null) {
      return {
        status: 'too few agents',
        order: current,
        change: null,
        reason: `${installed.length} agent CLI${installed.length === 1 ? '' : 's'} found; a handoff needs at least two`,
      };
    }
    // Only an order Relay inferred itself is brought up to date; any other is the user's choice.
    if (current !== null && !(recorded?.inferred && sameJson(current, recorded.written))) {
      return { status: 'kept', order: current, change: null, reason: 'config.yaml already has an order (yours); --handoff-order replaces it' };
    }
    target = inferred;
  }
  if (current !== null && sameJson(current, target)) {
    return { status: 'unchanged', order: current, change: { path: file, role: 'relay-config', before, after: before, summary: 'already set' } };
  }
  const created: DocPath[] = doc.getIn(['handoff'], true) === undefined ? [['handoff']] : [];
  const afterText = editOrderInText(text, target, false) ?? viaDocument(doc, target);
  parseConfig(afterText, file);
  const data: HandoffOrderData = { written: target, previous: recorded ? recorded.previous : current, inferred: choice.kind === 'infer' };
  return {
    status: 'written',
    order: target,
    change: {
      path: file,
      role: 'relay-config',
      before,
      after: Buffer.from(afterText, 'utf8'),
      created,
      data: { ...data },
      summary: `handoff.order: ${target.join(' → ')}`,
    },
  };
}

/**
 * config.yaml without the order install wrote: the user's previous order comes back, or the
 * key goes (and `handoff`, when install created it and nothing else is in it). An order the
 * user changed since is theirs and stays. Null: delete the file (install created it and it is
 * empty again).
 */
export function stripHandoffOrder(
  file: string,
  current: Buffer,
  created: readonly DocPath[] | null,
  data: Pick<HandoffOrderData, 'written' | 'previous'> | undefined,
  deleteIfEmpty: boolean,
): Buffer | null {
  const text = current.toString('utf8');
  // YAML only: uninstall must take Relay's order out of a file whose other settings this
  // version refuses (a typo, a newer key), without judging them.
  const doc = parseConfigYaml(text, file);
  if (!data || !sameJson(currentOrder(doc), data.written)) return current;
  const dropHandoff = created?.some((c) => isPrefixPath(c, ['handoff'])) ?? false;
  let out = editOrderInText(text, data.previous, dropHandoff);
  if (out === null) {
    if (data.previous) doc.setIn(['handoff', 'order'], doc.createNode(data.previous));
    else doc.deleteIn(['handoff', 'order']);
    const handoff = doc.getIn(['handoff'], true);
    if (dropHandoff && isMap(handoff) && handoff.items.length === 0) doc.deleteIn(['handoff']);
    out = doc.toString();
  }
  if (deleteIfEmpty && out.trim() === '') return null;
  return Buffer.from(out, 'utf8');
}
