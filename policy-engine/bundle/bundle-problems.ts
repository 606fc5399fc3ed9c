import type { DetailedError } from '@cedar-policy/cedar-wasm/nodejs';
import { BrokerError } from '../../core/errors.ts';
import { indexOfByte, positionAt, type SourceFile } from './source-file.ts';

/** One thing wrong with the bundle, placed as precisely as the source allows. */
export interface BundleProblem {
  file: string;
  line?: number;
  column?: number;
  message: string;
}

export function formatProblem(problem: BundleProblem): string {
  const at = [problem.file, problem.line, problem.column].filter((part) => part !== undefined).join(':');
  return `${at}: ${problem.message}`;
}

/** Cedar's error in words: message, its help, and related errors. */
export function describeCedarError(error: DetailedError): string {
  const help = error.help ? ` (${error.help})` : '';
  const related = (error.related ?? []).map((r) => `; ${describeCedarError(r)}`).join('');
  return `${error.message}${help}${related}`;
}

/**
 * Collects every problem of a bundle before refusing it, so that one `policy validate` run shows them all.
 */
export class BundleProblems {
  readonly #problems: BundleProblem[] = [];

  get count(): number {
    return this.#problems.length;
  }

  add(file: SourceFile | string, message: string, at?: { index?: number; line?: number }): void {
    const path = typeof file === 'string' ? file : file.path;
    if (typeof file !== 'string' && at?.index !== undefined) {
      const { line, column } = positionAt(file.text, at.index);
      this.#problems.push({ file: path, line, column, message });
    } else {
      this.#problems.push({ file: path, ...(at?.line === undefined ? {} : { line: at.line }), message });
    }
  }

  /**
   * A Cedar error whose source locations are byte offsets into `file`, after `byteBase` bytes (the start
   * of the policy within the file when Cedar saw only that policy).
   */
  addCedar(file: SourceFile, error: DetailedError, byteBase = 0): void {
    const location = error.sourceLocations?.[0];
    const at =
      location === undefined ? undefined : { index: indexOfByte(file.text, byteBase + location.start) };
    this.add(file, describeCedarError(error), at);
  }

  /** Throws (by default `policy.bundleInvalid`) naming every problem, when there is any. */
  throwIfAny(code = 'policy.bundleInvalid', title = 'the policy bundle is invalid'): void {
    if (this.#problems.length === 0) return;
    const lines = this.#problems.map(formatProblem);
    throw new BrokerError(code, `${title}:\n  ${lines.join('\n  ')}`, {
      details: { problems: this.#problems },
    });
  }
}
