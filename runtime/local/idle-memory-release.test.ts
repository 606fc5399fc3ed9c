import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type ExposedGc, startIdleMemoryRelease } from './idle-memory-release.ts';

describe('idle memory release', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const start = () => {
    const gc = vi.fn<ExposedGc>();
    const release = startIdleMemoryRelease(gc, { quietMs: 30_000, checkEveryMs: 10_000 });
    return { gc, release };
  };

  it('makes one memory-reducing collection once no request has come for the quiet period', () => {
    const { gc, release } = start();
    vi.advanceTimersByTime(20_000);
    expect(gc).not.toHaveBeenCalled();
    vi.advanceTimersByTime(10_000);
    expect(gc).toHaveBeenCalledTimes(1);
    expect(gc).toHaveBeenCalledWith({ type: 'major', execution: 'sync', flavor: 'last-resort' });
    // Still quiet: nothing more to hand back, so no second collection.
    vi.advanceTimersByTime(120_000);
    expect(release.releases()).toBe(1);
    release.stop();
  });

  it('waits while requests keep coming, and releases again after the next quiet spell', () => {
    const { gc, release } = start();
    for (let i = 0; i < 10; i++) {
      vi.advanceTimersByTime(10_000);
      release.noteRequest();
    }
    expect(gc).not.toHaveBeenCalled();
    vi.advanceTimersByTime(30_000);
    expect(gc).toHaveBeenCalledTimes(1);
    release.noteRequest();
    vi.advanceTimersByTime(20_000);
    expect(gc).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(10_000);
    expect(gc).toHaveBeenCalledTimes(2);
    release.stop();
  });

  it('does nothing once stopped, nor without an exposed gc', () => {
    const { gc, release } = start();
    release.stop();
    vi.advanceTimersByTime(60_000);
    expect(gc).not.toHaveBeenCalled();
    const withoutGc = startIdleMemoryRelease(undefined, { quietMs: 1, checkEveryMs: 1 });
    vi.advanceTimersByTime(10);
    expect(withoutGc.releases()).toBe(0);
    withoutGc.stop();
  });
});
