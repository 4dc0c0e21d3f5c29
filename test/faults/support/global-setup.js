const { rmSync } = require('node:fs');
const sharedSetup = require('../../support/global-setup');
const { FAULT_REPORT_FILE } = require('./fault-report-file');

module.exports = async () => {
  rmSync(FAULT_REPORT_FILE, { force: true });
  await sharedSetup();
};
