import type { Schemas } from '../api/client.ts';

export function ClassificationBadge({ value }: { value: Schemas['Classification'] }) {
  return <span className={`badge class-${value}`}>{value.toUpperCase()}</span>;
}

export function StatusBadge({ value }: { value: string }) {
  return <span className={`badge status-${value}`}>{value}</span>;
}

export function SiteBadge({ site }: { site: 'onprem' | 'public' }) {
  return <span className={`badge site-${site}`}>{site === 'onprem' ? 'on-prem' : 'public cloud'}</span>;
}
