/** INTERIM (replaced before this issue lands): the workspace engine, wired while its parts are built. */
import { RelayError } from '../../platform/errors.js';
import type { WorkspaceService } from './workspaceService.js';

const pending = (): never => {
  throw new RelayError('E_INTERNAL', 'the workspace engine is being built');
};

export function createWorkspace(): WorkspaceService {
  return {
    providers: async () => pending(),
    models: async () => pending(),
    workers: () => pending(),
    plan: async () => pending(),
    run: async () => pending(),
    confirm: () => pending(),
    cancel: () => pending(),
    budgetShow: () => pending(),
    budgetSet: () => pending(),
    budgetClear: () => pending(),
    costReport: () => pending(),
  };
}
