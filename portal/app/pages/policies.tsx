import { useState } from 'react';
import type { Schemas } from '../api/client.ts';
import { usePlacementPreview } from '../api/hooks.ts';
import { PlacementPreview } from '../components/placement-preview.tsx';
import { PolicyBundleView, PolicyTestsView } from '../components/policy-bundle.tsx';
import { Loading, ProblemView } from '../components/problem-view.tsx';

const KINDS = ['vm', 'volume', 'bucket'] as const;
const CLASSES = ['public', 'internal', 'pii', 'phi'] as const;

/**
 * The policy bundle in force and its tests' results, and a what-if over the placement policies: which
 * targets would take this workload, and which policy says so.
 */
export function Policies() {
  const [input, setInput] = useState<Schemas['SimulatePlacement']>({ kind: 'vm', classification: 'phi' });
  const decision = usePlacementPreview(input);
  return (
    <>
      <h1>Policies</h1>
      <PolicyBundleView />
      <h2>What if</h2>
      <p>
        Placement is decided by the Cedar policy bundle (files under <code>policies/</code>, reviewed like
        code). Ask it what it would decide:
      </p>
      <form className="filters" aria-label="What-if" onSubmit={(e) => e.preventDefault()}>
        <label>
          Kind{' '}
          <select
            value={input.kind}
            onChange={(e) => setInput({ ...input, kind: e.target.value as typeof input.kind })}
          >
            {KINDS.map((k) => (
              <option key={k}>{k}</option>
            ))}
          </select>
        </label>
        <label>
          Classification{' '}
          <select
            value={input.classification}
            onChange={(e) =>
              setInput({ ...input, classification: e.target.value as typeof input.classification })
            }
          >
            {CLASSES.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        </label>
      </form>
      <ProblemView error={decision.error} />
      {decision.data ? <PlacementPreview decision={decision.data} /> : <Loading what="the decision" />}
      <PolicyTestsView />
    </>
  );
}
