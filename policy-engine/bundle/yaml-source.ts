import { isCollection, isMap, isScalar, LineCounter, parseDocument } from 'yaml';
import type { BundleProblems } from './bundle-problems.ts';
import type { SourceFile } from './source-file.ts';

/** A parsed YAML file that can say on which line any path of it starts. */
export interface YamlSource {
  value: unknown;
  /**
   * The line of the deepest node of `path` that exists (so a missing key points at its parent). A map
   * entry's line is its key's: `tenant-a:` rather than the first line of its value.
   */
  lineOf(path: readonly (string | number)[]): number | undefined;
}

export function parseYaml(file: SourceFile, problems: BundleProblems): YamlSource | undefined {
  const counter = new LineCounter();
  const doc = parseDocument(file.text, { lineCounter: counter, prettyErrors: true });
  if (doc.errors.length > 0) {
    for (const error of doc.errors)
      problems.add(file, error.message.split('\n')[0]!, { line: error.linePos?.[0]?.line ?? 1 });
    return undefined;
  }
  return {
    value: doc.toJS(),
    lineOf(path) {
      for (let depth = path.length; depth >= 0; depth--) {
        const parent =
          depth === 0 ? undefined : depth === 1 ? doc.contents : doc.getIn(path.slice(0, depth - 1), true);
        const key = isMap(parent)
          ? parent.items.find((pair) => isScalar(pair.key) && pair.key.value === path[depth - 1])?.key
          : undefined;
        const keyRange = (key as { range?: [number, number, number] } | undefined)?.range;
        if (keyRange) return counter.linePos(keyRange[0]).line;
        const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
        const range = (node as { range?: [number, number, number] } | undefined)?.range;
        if (range && (depth === path.length || isCollection(node))) return counter.linePos(range[0]).line;
      }
      return undefined;
    },
  };
}
