/**
 * A task id the daemon accepts (1-64 of `A-Za-z0-9_-`), unguessable so no other client listens
 * in. Its own module: the workspace makes ids without loading the bus (client/taskRun does).
 */
import { randomBytes } from 'node:crypto';

export function newTaskId(): string {
  return randomBytes(12).toString('base64url');
}
