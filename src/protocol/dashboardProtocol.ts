/**
 * The dashboard's requests. The daemon serves the page on 127.0.0.1; `dashboard.open` starts
 * the server if needed and answers the URL with the daemon's token in it.
 */

export interface DashboardInfo {
  /** `http://127.0.0.1:<port>/?token=<token>`: the token moves into a cookie on first load. */
  url: string;
  port: number;
  startedAt: number;
}

export interface DashboardRequests {
  'dashboard.open': { payload: { port?: number }; result: DashboardInfo };
  'dashboard.stop': { payload: Record<string, never>; result: { stopped: boolean } };
}
