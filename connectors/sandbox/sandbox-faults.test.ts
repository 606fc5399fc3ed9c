import { describe, expect, it } from 'vitest';
import { SandboxFaults } from './sandbox-faults.ts';

/** The `crash` fault: kills the process at the nth matching call, before or after the call's work. */
describe('SandboxFaults crash rule', () => {
  const armed = () => {
    const crashes: string[] = [];
    const faults = new SandboxFaults('t-1', () => crashes.push('crash'));
    return { faults, crashes };
  };

  it('crashes before the nth call of its method only, once', async () => {
    const { faults, crashes } = armed();
    faults.set({ rules: [{ type: 'crash', method: 'createServer', when: 'before', nth: 2, count: 1 }] });
    await faults.before('getServer');
    await faults.before('createServer');
    expect(crashes).toEqual([]);
    faults.after('createServer');
    expect(crashes).toEqual([]);
    await faults.before('createServer');
    expect(crashes).toEqual(['crash']);
    await faults.before('createServer');
    expect(crashes).toEqual(['crash']);
    expect(faults.settings.rules).toEqual([]);
  });

  it('crashes after the call when told so, not before it', async () => {
    const { faults, crashes } = armed();
    faults.set({ rules: [{ type: 'crash', method: 'attachVolume', when: 'after', count: 1 }] });
    await faults.before('attachVolume');
    expect(crashes).toEqual([]);
    faults.after('attachVolume');
    expect(crashes).toEqual(['crash']);
  });

  it('is off unless set: no rule, no crash', async () => {
    const { faults, crashes } = armed();
    await faults.before('createServer');
    faults.after('createServer');
    expect(crashes).toEqual([]);
  });
});
