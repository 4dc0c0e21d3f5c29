import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { FAULT_REPORT_FILE } from './fault-report-file';

/** One scenario's line in the table the fault suite prints at the end. */
export interface FaultReportRow {
  scenario: string;
  /** Operations the clients saw acknowledged (2xx) before, during and after the fault. */
  acknowledged: number;
  /** Of those, how many were found afterwards in PostgreSQL (must equal `acknowledged`). */
  found: number;
  /** The ledger reconciliation's verdict after recovery: `ok`, or what drifted. */
  reconciliation: string;
}

export function recordFaultScenario(row: FaultReportRow): void {
  mkdirSync(dirname(FAULT_REPORT_FILE), { recursive: true });
  appendFileSync(FAULT_REPORT_FILE, `${JSON.stringify(row)}\n`);
}
