// Prints one plain closing line, "tests: N passed, N failed[, N skipped]", as the very last line of the run (after
// jest's own summary and the global teardown), so any tool that reads the last line of a run (CI included) gets the
// counts without parsing jest's format.
const { writeSync } = require('node:fs');

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    // Suites that failed to run (syntax errors, setup failures) count as failures too.
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    // scripts/test.sh runs jest twice (the parallel suite, then the whole-system browser test alone) and prints one
    // line for both: it asks for the counts in a file instead.
    if (process.env.MARKETQR_SUMMARY_FILE) {
      const counts = { passed: results.numPassedTests, failed, skipped };
      require('node:fs').writeFileSync(process.env.MARKETQR_SUMMARY_FILE, JSON.stringify(counts));
      return;
    }
    const line = `tests: ${results.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
    // Jest writes its summary to stderr after the reporters run; written at exit (synchronously, as an exit handler
    // must), this line comes after it.
    process.once('exit', () => writeSync(2, `\n${line}\n`));
  }
}
module.exports = SummaryReporter;
