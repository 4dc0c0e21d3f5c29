const { existsSync, readFileSync, rmSync } = require('node:fs');
const { FAULT_REPORT_FILE } = require('./fault-report-file');

// Prints scenario | acknowledged | found afterwards | reconciliation for every scenario that ran.
module.exports = async () => {
  if (!existsSync(FAULT_REPORT_FILE)) return;
  const rows = readFileSync(FAULT_REPORT_FILE, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));
  rmSync(FAULT_REPORT_FILE, { force: true });
  const header = ['scenario', 'acknowledged', 'found afterwards', 'reconciliation'];
  const cells = rows.map((row) => [row.scenario, String(row.acknowledged), String(row.found), row.reconciliation]);
  const widths = header.map((title, i) => Math.max(title.length, ...cells.map((line) => line[i].length)));
  const format = (line) => line.map((cell, i) => cell.padEnd(widths[i])).join(' | ');
  console.log(['', 'Fault suite', format(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...cells.map(format)].join('\n'));
};
