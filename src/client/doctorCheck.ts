/** What a `relay doctor` check is and returns (doctorChecks.ts, doctorAgentChecks.ts, ui/doctorReport.ts). */
import type { RelayPaths } from '../platform/paths.js';

export type CheckStatus = 'ok' | 'warn' | 'fail';

/** One line of the doctor's report (and one element of `relay doctor --json`'s `checks`). */
export interface CheckResult {
  /** Stable short name; scripts match on it. */
  id: string;
  title: string;
  status: CheckStatus;
  detail: string;
  /** One line: what to run or change. */
  fix?: string;
}

/** What a check's function returns; the runner adds the check's id and title. */
export type CheckOutcome = Omit<CheckResult, 'id' | 'title'>;

/** A check: a stable id, a title, and a function that looks without changing anything. */
export interface DoctorCheck {
  id: string;
  title: string;
  run: (paths: RelayPaths) => CheckOutcome | Promise<CheckOutcome>;
}
