/** One policy's text within a `.cedar` file. */
export interface PolicySpan {
  /** JS string index of the policy's first character (its first annotation or its effect). */
  start: number;
  /** JS string index just after its closing `;`. */
  end: number;
  text: string;
}

/**
 * Splits a `.cedar` file that Cedar has already parsed into its policies, keeping where each one starts.
 * Cedar names policies of a text `policy0, policy1, …` and reports offsets into the whole text; the broker
 * passes each policy under its `@id` instead, so decisions name `@id`s, and uses these spans to map
 * offsets back to lines. In Cedar's grammar `;` occurs only at the end of a policy, outside strings and
 * `//` comments — which is all this scanner has to know.
 */
export function splitPolicies(text: string): PolicySpan[] {
  const spans: PolicySpan[] = [];
  let start = -1;
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '/' && text[i + 1] === '/') {
      const eol = text.indexOf('\n', i);
      i = eol === -1 ? text.length : eol + 1;
      continue;
    }
    if (start === -1 && !/\s/.test(ch)) start = i;
    if (ch === '"') {
      i = endOfString(text, i);
      continue;
    }
    if (ch === ';' && start !== -1) {
      spans.push({ start, end: i + 1, text: text.slice(start, i + 1) });
      start = -1;
    }
    i += 1;
  }
  return spans;
}

/** The index after the closing quote of the string literal opening at `open`. */
function endOfString(text: string, open: number): number {
  let i = open + 1;
  while (i < text.length) {
    if (text[i] === '\\') i += 2;
    else if (text[i] === '"') return i + 1;
    else i += 1;
  }
  return text.length;
}
