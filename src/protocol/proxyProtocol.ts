/**
 * The opt-in proxy's wire types: its status, the predictive `quota_low` record, and the
 * `proxy.*` requests. The proxy listens on 127.0.0.1 only; an agent reaches it through its own
 * base-URL setting, `http://127.0.0.1:<port>/<route>`, and each route forwards to one upstream.
 */

/** One way through the proxy: `/<name>/...` goes to `upstream` + `...`, and what it learns is about `agent`. */
export interface ProxyRoute {
  /** The first path segment (`claude`, `codex`, `opencode-anthropic`). */
  name: string;
  /** The agent name its limits are reported for (`claude`): a handoff order's name. */
  agent: string;
  /** The vendor's base URL the route forwards to (`https://api.anthropic.com`). */
  upstream: string;
}

export interface ProxyStatus {
  running: boolean;
  /** The port it listens on (or would, from config.yaml, when not running). */
  port: number;
  /** `http://127.0.0.1:<port>` while it runs. */
  url?: string;
  startedAt?: number;
  routes: ProxyRoute[];
  /** Requests forwarded since it started, and how many of them the upstream refused with 429/529. */
  requests: number;
  limited: number;
  /** Why it is not running when it should be (the port taken), one line. */
  error?: string;
}

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

export interface ProxyRequests {
  /** Start the proxy (on `port`, else config.yaml's `proxy.port`); already running answers its status. */
  'proxy.start': { payload: { port?: number }; result: ProxyStatus };
  'proxy.stop': { payload: Record<string, never>; result: ProxyStatus };
  'proxy.status': { payload: Record<string, never>; result: ProxyStatus };
}
