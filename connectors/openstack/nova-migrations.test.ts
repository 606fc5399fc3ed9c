import { describe, expect, it } from 'vitest';
import { migrationsPath, toMigrationState, toServerMigration } from './nova-migrations.ts';

describe('Nova migrations', () => {
  it('asks for one server’s migrations, paged', () => {
    expect(migrationsPath('a b')).toBe('/os-migrations?instance_uuid=a+b&limit=100');
  });

  it('maps Nova’s statuses, and anything unknown to unknown', () => {
    expect(toMigrationState('running')).toBe('running');
    expect(toMigrationState('completed')).toBe('completed');
    expect(toMigrationState('error')).toBe('failed');
    expect(toMigrationState('queued')).toBe('queued');
    expect(toMigrationState('something-new')).toBe('unknown');
  });

  it('reads hosts, UTC times and the memory copied so far', () => {
    const running = toServerMigration(
      {
        id: 7,
        uuid: 'm-1',
        status: 'running',
        migration_type: 'live-migration',
        source_compute: 'host-a',
        dest_compute: 'host-b',
        created_at: '2026-12-03T21:00:00.000000',
        updated_at: null,
      },
      { id: 7, status: 'running', memory_total_bytes: 1000, memory_processed_bytes: 250 },
    );
    expect(running).toEqual({
      id: 'm-1',
      state: 'running',
      rawState: 'running',
      sourceHost: 'host-a',
      destHost: 'host-b',
      createdAt: '2026-12-03T21:00:00.000Z',
      progressPercent: 25,
    });
    const done = toServerMigration({ id: 8, status: 'completed', source_compute: 'host-b' });
    expect(done).toMatchObject({ id: '8', state: 'completed', progressPercent: 100 });
    expect(toServerMigration({ id: 9, status: 'running' })).not.toHaveProperty('progressPercent');
  });
});
