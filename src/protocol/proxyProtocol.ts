/**
 * The predictive `quota_low` record: what a source that reads rate-limit headers (the opt-in
 * proxy of issue 12, not built yet) raises before a limit hits. The relay-session side that acts
 * on it (plan a successor, hand off at the turn's end) is in place: supervisor/relay.
 */

/**
 * A rate-limit window running low before it runs out: raised by the proxy when the remaining
 * share of requests or tokens in a window falls under the configured threshold (10 % by
 * default), once per window until it resets. A relay session whose active agent it names picks
 * and prepares its successor, and hands off when the current turn ends.
 */
export interface QuotaLow {
  source: 'proxy';
  /** The agent name (`claude`) or a Relay agent id. */
  agent: string;
  route: string;
  /** Which window: `requests`, `tokens`, `input-tokens`, `output-tokens`, `unified-5h`, `unified-7d`. */
  window: string;
  /** What the headers said is left, and of how much (`limit` 0 when only a share is known). */
  remaining: number;
  limit: number;
  /** remaining / limit, 0..1. */
  share: number;
  /** The configured threshold it fell under, 0..1. */
  threshold: number;
  resetAt?: number;
  at: number;
}
