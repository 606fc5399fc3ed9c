import type { PolicyTestResult } from './test-runner.ts';

/** The results as a terminal reads them: grouped by file, failures with file:line and what differed. */
export function formatTestReport(results: readonly PolicyTestResult[], bundleHash: string): string {
  const lines = [`policy tests against bundle ${bundleHash.slice(0, 12)}`];
  let file = '';
  for (const result of results) {
    if (result.case.file !== file) {
      file = result.case.file;
      lines.push('', `  ${file}`);
    }
    const kind = result.case.kind === 'placement' ? 'place' : result.case.test.action;
    lines.push(`    ${result.passed ? 'ok  ' : 'FAIL'} [${kind}] ${result.case.test.name}`);
    if (!result.passed) {
      lines.push(`         at ${result.case.file}:${result.case.line}`);
      for (const failure of result.failures) lines.push(`         ${failure}`);
    }
  }
  const failed = results.filter((r) => !r.passed).length;
  lines.push('', `${results.length - failed} passed, ${failed} failed, ${results.length} total`);
  return `${lines.join('\n')}\n`;
}
