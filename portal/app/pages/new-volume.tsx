import { type FormEvent, useState } from 'react';
import { ApiProblem, type Schemas } from '../api/client.ts';
import { useCreateVolume, usePlacementPreview } from '../api/hooks.ts';
import { PlacementPreview } from '../components/placement-preview.tsx';
import { FieldError, ProblemView } from '../components/problem-view.tsx';
import { followOperation } from '../operations-followed.ts';

const CLASSES = ['public', 'internal', 'pii', 'phi'] as const;

/** A new volume, with the same live placement preview as the VM wizard. */
export function NewVolume() {
  const create = useCreateVolume();
  const [name, setName] = useState('');
  const [sizeGiB, setSize] = useState('10');
  const [classification, setClassification] = useState<Schemas['Classification']>('internal');
  const preview = usePlacementPreview({ kind: 'volume', classification });
  const fields = create.error instanceof ApiProblem ? create.error.fieldErrors() : {};
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate(
      { name, sizeGiB: Number(sizeGiB), classification },
      { onSuccess: (r) => followOperation(r.operation.id, `create volume ${r.volume.name}`) },
    );
  };
  return (
    <details>
      <summary>New volume</summary>
      <div className="wizard">
        <form onSubmit={submit} aria-label="New volume">
          <label htmlFor="volume-name">Volume name</label>
          <input
            id="volume-name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            aria-invalid={Boolean(fields.name)}
            aria-describedby={fields.name ? 'volume-name-error' : undefined}
            autoComplete="off"
          />
          <FieldError id="volume-name-error" message={fields.name} />
          <label htmlFor="volume-size">Size (GiB)</label>
          <input
            id="volume-size"
            type="number"
            min={1}
            value={sizeGiB}
            onChange={(e) => setSize(e.target.value)}
            aria-invalid={Boolean(fields.sizeGiB)}
            aria-describedby={fields.sizeGiB ? 'volume-size-error' : undefined}
          />
          <FieldError id="volume-size-error" message={fields.sizeGiB} />
          <label htmlFor="volume-class">Classification</label>
          <select
            id="volume-class"
            value={classification}
            onChange={(e) => setClassification(e.target.value as Schemas['Classification'])}
          >
            {CLASSES.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
          <button type="submit" disabled={create.isPending}>
            Create volume
          </button>
          {create.error && Object.keys(fields).length === 0 ? <ProblemView error={create.error} /> : null}
        </form>
        <section aria-label="Volume placement preview">
          {preview.data ? <PlacementPreview decision={preview.data} /> : null}
        </section>
      </div>
    </details>
  );
}
