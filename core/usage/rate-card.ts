import { z } from 'zod';
import { SITES, type Site } from '../model/target.ts';

/** The prices a rate card sets, each per hour of one unit. */
export const PRICE_FIELDS = [
  'vcpuHour',
  'ramGiBHour',
  'volumeGiBHour',
  'instanceHour',
  'objectGiBHour',
] as const;
export type Prices = Record<(typeof PRICE_FIELDS)[number], number>;

export interface Rate {
  /** Exactly one of `site` and `target`: a target's own rate wins over its site's. */
  site?: Site;
  target?: string;
  /** Effective from (inclusive) to (exclusive), epoch milliseconds; `to` open-ended when absent. */
  from: number;
  to?: number;
  prices: Prices;
}

export interface RateCard {
  currency: string;
  rates: Rate[];
}

/** A day (`2026-11-01`, midnight UTC) or an instant with an offset. */
const effectiveDate = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);
const price = z.number().nonnegative().finite();

/** The shape of `policies/rates.yaml`. */
export const rateCardSchema = z
  .object({
    currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as USD or EUR'),
    rates: z
      .array(
        z
          .object({
            site: z.enum(SITES).optional(),
            target: z.string().min(1).optional(),
            effectiveFrom: effectiveDate,
            effectiveTo: effectiveDate.optional(),
            prices: z
              .object({
                vcpuHour: price.default(0),
                ramGiBHour: price.default(0),
                volumeGiBHour: price.default(0),
                instanceHour: price.default(0),
                objectGiBHour: price.default(0),
              })
              .strict(),
          })
          .strict()
          .refine((r) => (r.site === undefined) !== (r.target === undefined), {
            message: 'name exactly one of site and target',
          }),
      )
      .min(1),
  })
  .strict();

export type RateCardInput = z.input<typeof rateCardSchema>;

export interface RateCardProblem {
  path: (string | number)[];
  message: string;
}

export function describeRateCardProblem(problem: RateCardProblem): string {
  return `${problem.path.join('.') || '(root)'}: ${problem.message}`;
}

/**
 * Validates a parsed rate card: its shape, then that every target exists and no two rates for the same
 * site or target are in effect at once. No problems means a card.
 */
export function parseRateCard(
  input: unknown,
  knownTargets: ReadonlySet<string>,
): { card: RateCard } | { problems: RateCardProblem[] } {
  const parsed = rateCardSchema.safeParse(input);
  if (!parsed.success)
    return {
      problems: parsed.error.issues.map((i) => ({
        path: i.path.filter((p) => typeof p !== 'symbol'),
        message: i.message,
      })),
    };
  const problems: RateCardProblem[] = [];
  const rates: Rate[] = parsed.data.rates.map((r, i) => {
    const from = Date.parse(r.effectiveFrom);
    const to = r.effectiveTo === undefined ? undefined : Date.parse(r.effectiveTo);
    if (to !== undefined && to <= from)
      problems.push({ path: ['rates', i, 'effectiveTo'], message: 'must be after effectiveFrom' });
    if (r.target !== undefined && !knownTargets.has(r.target))
      problems.push({ path: ['rates', i, 'target'], message: `unknown target ${r.target}` });
    return {
      ...(r.site ? { site: r.site } : {}),
      ...(r.target ? { target: r.target } : {}),
      from,
      ...(to === undefined ? {} : { to }),
      prices: r.prices,
    };
  });
  rates.forEach((a, i) => {
    rates.slice(i + 1).forEach((b, j) => {
      const sameScope = a.site === b.site && a.target === b.target;
      if (sameScope && a.from < (b.to ?? Infinity) && b.from < (a.to ?? Infinity))
        problems.push({
          path: ['rates', i + 1 + j],
          message: `overlaps rates.${i} for ${a.target ?? a.site}`,
        });
    });
  });
  return problems.length > 0 ? { problems } : { card: { currency: parsed.data.currency, rates } };
}

/** The rate in force for a target on its site at `at` (ms): the target's own, else the site's. */
export function rateAt(card: RateCard, targetId: string, site: Site, at: number): Rate | undefined {
  const inForce = (r: Rate) => r.from <= at && at < (r.to ?? Infinity);
  return (
    card.rates.find((r) => r.target === targetId && inForce(r)) ??
    card.rates.find((r) => r.site === site && r.target === undefined && inForce(r))
  );
}

/** Every instant in (start, end) where some rate starts or ends: intervals are priced piecewise. */
export function rateBoundaries(card: RateCard, start: number, end: number): number[] {
  const edges = new Set<number>();
  for (const r of card.rates)
    for (const edge of [r.from, r.to]) if (edge !== undefined && edge > start && edge < end) edges.add(edge);
  return [...edges].sort((a, b) => a - b);
}
