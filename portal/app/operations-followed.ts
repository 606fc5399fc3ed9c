import { useSyncExternalStore } from 'react';

/**
 * Operations this browser session started, newest first, kept in memory (the Operations page and the
 * inventory follow them). Labels hold resource names, so they never go into the URL or storage.
 */
export interface Followed {
  id: string;
  label: string;
}

let followed: Followed[] = [];
const listeners = new Set<() => void>();

export function followOperation(id: string, label: string): void {
  followed = [{ id, label }, ...followed.filter((f) => f.id !== id)].slice(0, 20);
  for (const l of listeners) l();
}

export function useFollowed(): Followed[] {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => followed,
  );
}
