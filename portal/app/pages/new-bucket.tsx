import { type FormEvent, useState } from 'react';
import { ApiProblem, type Schemas } from '../api/client.ts';
import { useCreateBucket, usePlacementPreview, useTargets } from '../api/hooks.ts';
import { PlacementPreview } from '../components/placement-preview.tsx';
import { FieldError, ProblemView } from '../components/problem-view.tsx';
import { followOperation } from '../operations-followed.ts';

const CLASSES = ['public', 'internal', 'pii', 'phi'] as const;

/** A new bucket, with the live placement preview following classification and region. */
export function NewBucket() {
  const create = useCreateBucket();
  const [name, setName] = useState('');
  const [classification, setClassification] = useState<Schemas['Classification']>('internal');
  const [region, setRegion] = useState('');
  const regions = [
    ...new Set((useTargets().data ?? []).filter((t) => t.kinds.includes('bucket')).map((t) => t.region)),
  ];
  const preview = usePlacementPreview({ kind: 'bucket', classification, ...(region ? { region } : {}) });
  const fields = create.error instanceof ApiProblem ? create.error.fieldErrors() : {};
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate(
      { name, classification, ...(region ? { region } : {}) },
      { onSuccess: (r) => followOperation(r.operation.id, `create bucket ${r.bucket.name}`) },
    );
  };
  return (
    <details>
      <summary>New bucket</summary>
      <div className="wizard">
        <form onSubmit={submit} aria-label="New bucket">
          <label htmlFor="bucket-name">Bucket name</label>
          <input
            id="bucket-name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            aria-invalid={Boolean(fields.name)}
            aria-describedby={fields.name ? 'bucket-name-error' : undefined}
            autoComplete="off"
          />
          <FieldError id="bucket-name-error" message={fields.name} />
          <label htmlFor="bucket-class">Bucket classification</label>
          <select
            id="bucket-class"
            value={classification}
            onChange={(e) => setClassification(e.target.value as Schemas['Classification'])}
          >
            {CLASSES.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
          <label htmlFor="bucket-region">Bucket region</label>
          <select id="bucket-region" value={region} onChange={(e) => setRegion(e.target.value)}>
            <option value="">any</option>
            {regions.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
          <button type="submit" disabled={create.isPending}>
            Create bucket
          </button>
          {create.error && Object.keys(fields).length === 0 ? <ProblemView error={create.error} /> : null}
        </form>
        <section aria-label="Bucket placement preview">
          {preview.data ? <PlacementPreview decision={preview.data} /> : null}
        </section>
      </div>
    </details>
  );
}
