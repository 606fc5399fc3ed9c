import { describe, expect, it } from 'vitest';
import type { Target } from '../model/target.ts';
import { rankTargets } from './ranking.ts';

const target = (id: string, region: string, preference: number, cost = 0): Target => ({
  id,
  cloud: 'sandbox',
  region,
  site: 'onprem',
  description: '',
  kinds: ['vm'],
  attributes: { jurisdiction: 'US', hipaaEligible: true, encryptionAtRest: true },
  ranking: { preference, costPerVcpuHour: cost },
  sizes: {},
  images: {},
  connection: {},
});

describe('rankTargets', () => {
  const targets = [
    target('a', 'north', 1),
    target('b', 'south', 5),
    target('c', 'south', 5, 0.5),
    target('d', 'north', 9),
  ];
  const closed = () => 'closed' as const;

  it('prefers higher preference, then lower cost, then id', () => {
    expect(rankTargets(targets, { health: closed }).map((t) => t.id)).toEqual(['d', 'b', 'c', 'a']);
  });

  it('puts the region wish first', () => {
    expect(rankTargets(targets, { region: 'south', health: closed }).map((t) => t.id)).toEqual([
      'b',
      'c',
      'd',
      'a',
    ]);
  });

  it('sends unhealthy and full targets to the back', () => {
    const health = (id: string) => (id === 'd' ? 'open' : id === 'b' ? 'halfOpen' : 'closed');
    expect(rankTargets(targets, { health }).map((t) => t.id)).toEqual(['c', 'a', 'b', 'd']);
    expect(
      rankTargets(targets, { health: closed, headroom: (id) => (id === 'd' ? 0 : 1) }).map((t) => t.id),
    ).toEqual(['b', 'c', 'a', 'd']);
  });

  it('puts targets known to be unavailable last, even against the region wish', () => {
    const health = (id: string) => (id === 'b' ? 'down' : id === 'c' ? 'open' : 'closed');
    expect(rankTargets(targets, { region: 'south', health }).map((t) => t.id)).toEqual(['d', 'a', 'c', 'b']);
  });
});
