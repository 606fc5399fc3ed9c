/**
 * A strict parser of the Prometheus text exposition format (version 0.0.4), for tests: it refuses what
 * a Prometheus server would refuse (bad names, bad escapes, samples outside their family, a TYPE after
 * samples, duplicate series, histogram buckets out of order or without `+Inf` matching `_count`).
 */
export type FamilyType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: FamilyType;
  help?: string;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set<FamilyType>(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

export function parsePrometheusText(text: string): Map<string, Family> {
  if (text.length > 0 && !text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  const families = new Map<string, Family>();
  const closed = new Set<string>();
  let current: Family | undefined;
  const family = (name: string): Family => {
    if (current?.name === name) return current;
    if (closed.has(name) || families.has(name)) throw new Error(`family ${name} is not contiguous`);
    if (current) closed.add(current.name);
    current = { name, type: 'untyped', samples: [] };
    families.set(name, current);
    return current;
  };
  const lines = text.split('\n').slice(0, -1);
  lines.forEach((line, index) => {
    const where = `line ${index + 1}`;
    if (line.startsWith('#')) {
      const match = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!match) return; // a plain comment
      const [, keyword, name, rest] = match as unknown as [string, string, string, string];
      if (!METRIC_NAME.test(name)) throw new Error(`${where}: bad metric name ${name}`);
      const f = family(name);
      if (keyword === 'HELP') {
        if (f.help !== undefined) throw new Error(`${where}: second HELP for ${name}`);
        f.help = unescapeHelp(rest, where);
      } else {
        if (f.samples.length > 0) throw new Error(`${where}: TYPE after samples of ${name}`);
        if (!TYPES.has(rest as FamilyType)) throw new Error(`${where}: unknown type ${rest}`);
        f.type = rest as FamilyType;
      }
      return;
    }
    if (line.trim() === '') return;
    const sample = parseSample(line, where);
    const owner = current && ownerOf(sample.name, current) ? current : family(sample.name);
    if (!ownerOf(sample.name, owner)) throw new Error(`${where}: ${sample.name} outside its family`);
    owner.samples.push(sample);
  });
  for (const f of families.values()) checkFamily(f);
  return families;
}

/** Whether a sample name belongs to the family (a histogram's `_bucket`, `_sum`, `_count`). */
function ownerOf(sampleName: string, f: Family): boolean {
  if (sampleName === f.name) return f.type !== 'histogram';
  if (f.type === 'histogram')
    return ['_bucket', '_sum', '_count'].some((suffix) => sampleName === f.name + suffix);
  if (f.type === 'summary') return ['_sum', '_count'].some((suffix) => sampleName === f.name + suffix);
  return false;
}

function parseSample(line: string, where: string): Sample {
  const nameMatch = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line);
  if (!nameMatch) throw new Error(`${where}: no metric name in ${JSON.stringify(line)}`);
  const name = nameMatch[1]!;
  let rest = line.slice(name.length);
  const labels: Record<string, string> = {};
  if (rest.startsWith('{')) {
    rest = rest.slice(1);
    while (!rest.startsWith('}')) {
      const label = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(rest);
      if (!label) throw new Error(`${where}: bad label in ${JSON.stringify(line)}`);
      const labelName = label[1]!;
      if (!LABEL_NAME.test(labelName) || labelName.startsWith('__'))
        throw new Error(`${where}: reserved or bad label name ${labelName}`);
      if (labelName in labels) throw new Error(`${where}: label ${labelName} twice`);
      rest = rest.slice(label[0].length);
      let value = '';
      for (;;) {
        const ch = rest[0];
        if (ch === undefined) throw new Error(`${where}: unterminated label value`);
        rest = rest.slice(1);
        if (ch === '"') break;
        if (ch === '\\') {
          const escaped = rest[0];
          rest = rest.slice(1);
          if (escaped === 'n') value += '\n';
          else if (escaped === '\\' || escaped === '"') value += escaped;
          else throw new Error(`${where}: bad escape \\${escaped}`);
        } else value += ch;
      }
      labels[labelName] = value;
      if (rest.startsWith(',')) rest = rest.slice(1);
      else if (!rest.startsWith('}')) throw new Error(`${where}: expected , or } in ${JSON.stringify(line)}`);
    }
    rest = rest.slice(1);
  }
  const parts = /^ (\S+)(?: (-?\d+))?$/.exec(rest);
  if (!parts) throw new Error(`${where}: bad value part ${JSON.stringify(rest)}`);
  return { name, labels, value: parseValue(parts[1]!, where) };
}

function parseValue(raw: string, where: string): number {
  if (raw === '+Inf') return Number.POSITIVE_INFINITY;
  if (raw === '-Inf') return Number.NEGATIVE_INFINITY;
  if (raw === 'NaN') return Number.NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw)) throw new Error(`${where}: bad value ${raw}`);
  return Number(raw);
}

function unescapeHelp(raw: string, where: string): string {
  return raw.replace(/\\(.)/g, (_, ch: string) => {
    if (ch === 'n') return '\n';
    if (ch === '\\') return '\\';
    throw new Error(`${where}: bad escape in HELP \\${ch}`);
  });
}

/** Series are unique; histogram buckets ascend, never decrease, and `+Inf` equals `_count`. */
function checkFamily(f: Family): void {
  const seen = new Set<string>();
  for (const s of f.samples) {
    const key = `${s.name}${JSON.stringify(Object.entries(s.labels).sort())}`;
    if (seen.has(key)) throw new Error(`duplicate series ${key}`);
    seen.add(key);
    if (f.type === 'counter' && !(s.value >= 0)) throw new Error(`counter ${s.name} is negative`);
  }
  if (f.type !== 'histogram') return;
  const series = new Map<string, Sample[]>();
  for (const s of f.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    series.set(key, [...(series.get(key) ?? []), s]);
  }
  for (const [key, samples] of series) {
    const buckets = samples.filter((s) => s.name === `${f.name}_bucket`);
    const count = samples.find((s) => s.name === `${f.name}_count`);
    if (!count || !samples.some((s) => s.name === `${f.name}_sum`))
      throw new Error(`${f.name}${key}: no _sum or _count`);
    let previousLe = Number.NEGATIVE_INFINITY;
    let previousValue = 0;
    for (const b of buckets) {
      if (b.labels.le === undefined) throw new Error(`${f.name}${key}: bucket without le`);
      const le = parseValue(b.labels.le, f.name);
      if (le <= previousLe || b.value < previousValue)
        throw new Error(`${f.name}${key}: buckets out of order`);
      previousLe = le;
      previousValue = b.value;
    }
    if (previousLe !== Number.POSITIVE_INFINITY || previousValue !== count.value)
      throw new Error(`${f.name}${key}: +Inf bucket missing or not equal to _count`);
  }
}
