const { join } = require('node:path');

// Rows are appended by each scenario (separate jest workers cannot share memory) and printed once by the teardown.
const FAULT_REPORT_FILE = join(__dirname, '..', '..', '..', 'dist', 'fault-report.jsonl');

module.exports = { FAULT_REPORT_FILE };
