/** Bus handlers for `relay dashboard`: serve the page (or answer where it is), and turn it off. */
import type { RequestHandler } from '../../bus/busServer.js';
import { RelayError } from '../../platform/errors.js';
import type { Dashboard } from '../dashboard/dashboard.js';

type DashboardRequestType = 'dashboard.open' | 'dashboard.stop';
export type DashboardHandlers = { [T in DashboardRequestType]: RequestHandler<T> };

export function dashboardHandlers(dashboard: Dashboard): DashboardHandlers {
  return {
    'dashboard.open': ({ port }) => {
      if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
        throw new RelayError('E_USAGE', `not a port: ${String(port)}`, { hint: 'use a number from 1024 to 65535, or leave --port out' });
      }
      return dashboard.open(port);
    },
    'dashboard.stop': async () => ({ stopped: await dashboard.stop() }),
  };
}
