/** One file of the policy bundle. */
export interface SourceFile {
  /** The path shown in messages (as given, usually relative to the working directory). */
  path: string;
  /** The path inside the bundle, `/`-separated (e.g. `placement.cedar`): what the bundle hash names. */
  name: string;
  text: string;
}

export interface SourcePosition {
  /** 1-based. */
  line: number;
  /** 1-based, in characters. */
  column: number;
}

/** The position of a JS string index (UTF-16 units). */
export function positionAt(text: string, index: number): SourcePosition {
  const before = text.slice(0, Math.max(0, Math.min(index, text.length)));
  const lineStart = before.lastIndexOf('\n') + 1;
  let line = 1;
  for (let i = before.indexOf('\n'); i !== -1; i = before.indexOf('\n', i + 1)) line += 1;
  return { line, column: before.length - lineStart + 1 };
}

/**
 * Cedar reports UTF-8 byte offsets while JS strings index UTF-16 units; they part ways at the first
 * non-ASCII character (an em dash in a comment is enough), so every Cedar offset goes through here.
 */
export function indexOfByte(text: string, byteOffset: number): number {
  const bytes = Buffer.from(text, 'utf8');
  return bytes.subarray(0, Math.max(0, Math.min(byteOffset, bytes.length))).toString('utf8').length;
}

export function byteOffsetOf(text: string, index: number): number {
  return Buffer.byteLength(text.slice(0, index), 'utf8');
}
