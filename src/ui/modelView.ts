/**
 * `relay models`: every model Relay can route to, with its tier, how it is paid for, its context
 * size and its price. A metered model with no known price says `unpriced`, never `$0`: the budget
 * guard refuses it under a hard limit, and the user should see why before it does.
 */
import type { ModelInfo } from '../protocol/providerProtocol.js';
import { formatPerMillion } from './money.js';
import { formatTable, formatTokens } from './textTable.js';

/** `$0.15 / $0.60 per Mtok`, `free (local)`, `subscription`, `unpriced`; `(config)` when overridden there. */
export function formatModelPrice(m: ModelInfo): string {
  if (m.billing === 'local') return 'free (local)';
  if (m.billing === 'subscription') return 'subscription';
  if (!m.price) return 'unpriced';
  const from = m.priceSource === 'config' ? ' (config)' : '';
  return `${formatPerMillion(m.price.input)} / ${formatPerMillion(m.price.output)} per Mtok${from}`;
}

export function formatModelTable(models: readonly ModelInfo[]): string[] {
  if (models.length === 0) return ['no models: no usable provider (relay providers shows what was looked for)'];
  const rows = models.map((m) => [`${m.provider}/${m.model}`, m.tier, m.billing, formatTokens(m.contextTokens), formatModelPrice(m)]);
  const lines = formatTable(['MODEL', 'TIER', 'BILLING', 'CONTEXT', 'PRICE (input / output)'], rows, [3]);
  if (models.some((m) => m.billing === 'metered' && !m.price)) {
    lines.push('', 'unpriced: no known price; refused under a hard budget limit unless budget.allowUnpriced is true in config.yaml,');
    lines.push('  or give its price under prices: in config.yaml (<provider>/<model>: {inputPrice, outputPrice}, USD per Mtok)');
  }
  return lines;
}
