import type { Schemas } from '../api/client.ts';
import { SiteBadge } from './badges.tsx';

export const QUOTA_RESOURCES = [
  ['instances', 'Instances'],
  ['vcpus', 'vCPUs'],
  ['ramMiB', 'RAM (MiB)'],
  ['volumes', 'Volumes'],
  ['volumeGiB', 'Volume GiB'],
  ['snapshots', 'Snapshots'],
  ['buckets', 'Buckets'],
] as const;

type Amount = { limit: number; used: number; reserved: number };

/**
 * One resource's use as a bar: used (solid) and reserved (striped) against the limit. The bar is
 * decoration; the same figures are in the text beside it, so a screen reader hears numbers, not a picture.
 */
export function QuotaBar({ label, amount }: { label: string; amount: Amount }) {
  const { limit, used, reserved } = amount;
  const share = (n: number) => (limit > 0 ? Math.min(100, (n / limit) * 100) : n > 0 ? 100 : 0);
  const full = used + reserved >= limit && limit >= 0;
  return (
    <div className="quota" data-testid="quota-bar" data-resource={label}>
      <span className="quota-label">{label}</span>
      <svg className="quota-bar" viewBox="0 0 100 8" preserveAspectRatio="none" aria-hidden="true">
        <rect width="100" height="8" className="bar-track" />
        <rect width={share(used)} height="8" className="bar-used" />
        <rect x={share(used)} width={share(reserved)} height="8" className="bar-reserved" />
      </svg>
      <span className={full ? 'quota-figures denied' : 'quota-figures'}>
        {used} used + {reserved} reserved of {limit}
      </span>
    </div>
  );
}

/** A site's quotas: one bar per resource. */
export function SiteQuotaBars({ site, quota }: { site: 'onprem' | 'public'; quota: Schemas['SiteQuota'] }) {
  return (
    <section aria-label={`Quotas ${site === 'onprem' ? 'on-prem' : 'public cloud'}`} className="quota-site">
      <h3>
        <SiteBadge site={site} />
      </h3>
      {QUOTA_RESOURCES.map(([key, label]) => (
        <QuotaBar key={key} label={label} amount={quota[key]} />
      ))}
    </section>
  );
}
