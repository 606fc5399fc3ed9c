import { Link } from '@tanstack/react-router';
import { type FormEvent, useState } from 'react';
import { ApiProblem, type Schemas } from '../api/client.ts';
import { useCreateVm, usePlacementPreview, useTargets } from '../api/hooks.ts';
import { OperationProgress } from '../components/operation-progress.tsx';
import { PlacementPreview } from '../components/placement-preview.tsx';
import { FieldError, Loading, ProblemView } from '../components/problem-view.tsx';
import { followOperation } from '../operations-followed.ts';

const CLASSES: { value: Schemas['Classification']; says: string }[] = [
  { value: 'public', says: 'public data' },
  { value: 'internal', says: 'internal to the hospital' },
  { value: 'pii', says: 'personal data' },
  { value: 'phi', says: 'protected health information: stays on-prem' },
];

/** Names in catalogue order (sizes small → large), each once. */
const unique = (lists: string[][]) => [...new Set(lists.flat())];

/**
 * Creating a VM. The preview beside the form asks the broker's simulate route as the classification, size
 * and region change, and shows every candidate target with the policies that decided it. Form values stay
 * in component state: names may be PHI and never go into the URL.
 */
export function CreateVm() {
  const targets = useTargets();
  const create = useCreateVm();
  const [form, setForm] = useState({ name: '', classification: 'internal', size: '', image: '', region: '' });
  const sizes = unique((targets.data ?? []).map((t) => t.sizes));
  const images = unique((targets.data ?? []).map((t) => t.images));
  const regions = unique((targets.data ?? []).map((t) => [t.region]));
  const size = form.size || sizes[0] || '';
  const image = form.image || images[0] || '';
  const classification = form.classification as Schemas['Classification'];
  const preview = usePlacementPreview(
    size && image
      ? { kind: 'vm', classification, size, image, ...(form.region ? { region: form.region } : {}) }
      : undefined,
  );
  const fields = create.error instanceof ApiProblem ? create.error.fieldErrors() : {};
  const set = (key: keyof typeof form) => (e: { target: { value: string } }) =>
    setForm({ ...form, [key]: e.target.value });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate(
      { name: form.name, classification, size, image, ...(form.region ? { region: form.region } : {}) },
      { onSuccess: (r) => followOperation(r.operation.id, `create ${r.vm.name}`) },
    );
  };

  if (create.data)
    return (
      <>
        <h1>Create VM</h1>
        <OperationProgress id={create.data.operation.id} label={`Creating ${create.data.vm.name}`} />
        <p className="row">
          <Link to="/inventory">Go to the inventory</Link>
          <button type="button" onClick={() => create.reset()}>
            Create another
          </button>
        </p>
      </>
    );

  const describedBy = (key: string) => (fields[key] ? `${key}-error` : undefined);
  return (
    <>
      <h1>Create VM</h1>
      {targets.isPending ? <Loading what="targets" /> : null}
      <ProblemView error={targets.error} />
      <div className="wizard">
        <form onSubmit={submit} aria-label="New VM">
          <label htmlFor="vm-name">Name</label>
          <input
            id="vm-name"
            value={form.name}
            onChange={set('name')}
            aria-invalid={Boolean(fields.name)}
            aria-describedby={describedBy('name')}
            autoComplete="off"
          />
          <FieldError id="name-error" message={fields.name} />
          <fieldset>
            <legend>Classification</legend>
            {CLASSES.map((c) => (
              <label key={c.value} className="check">
                <input
                  type="radio"
                  name="classification"
                  value={c.value}
                  checked={form.classification === c.value}
                  onChange={set('classification')}
                />
                <strong>{c.value.toUpperCase()}</strong> — {c.says}
              </label>
            ))}
          </fieldset>
          <label htmlFor="vm-size">Size</label>
          <select id="vm-size" value={size} onChange={set('size')} aria-describedby={describedBy('size')}>
            {sizes.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
          <FieldError id="size-error" message={fields.size} />
          <label htmlFor="vm-image">Image</label>
          <select id="vm-image" value={image} onChange={set('image')} aria-describedby={describedBy('image')}>
            {images.map((i) => (
              <option key={i}>{i}</option>
            ))}
          </select>
          <FieldError id="image-error" message={fields.image} />
          <label htmlFor="vm-region">Region</label>
          <select
            id="vm-region"
            value={form.region}
            onChange={set('region')}
            aria-describedby={describedBy('region')}
          >
            <option value="">any (policy and ranking decide)</option>
            {regions.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
          <FieldError id="region-error" message={fields.region} />
          <button type="submit" disabled={create.isPending}>
            Create VM
          </button>
          {create.error && Object.keys(fields).length === 0 ? <ProblemView error={create.error} /> : null}
        </form>
        <section aria-labelledby="preview-title" aria-live="polite" aria-busy={preview.isFetching}>
          <h2 id="preview-title">Placement preview</h2>
          <ProblemView error={preview.error} />
          {preview.data ? <PlacementPreview decision={preview.data} /> : <Loading what="the preview" />}
        </section>
      </div>
    </>
  );
}
