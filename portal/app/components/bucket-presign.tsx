import { type FormEvent, useState } from 'react';
import type { Schemas } from '../api/client.ts';
import { usePresign } from '../api/hooks.ts';
import { ProblemView } from './problem-view.tsx';

/**
 * A presigned link for one object of a bucket. The key may name a patient's file: it stays in this form's
 * state, is sent in the body (never the URL of the portal), and the link is shown only until closed.
 */
export function BucketPresign({ bucket }: { bucket: Schemas['Bucket'] }) {
  const presign = usePresign();
  const [open, setOpen] = useState(false);
  const id = `presign-${bucket.id}`;
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    presign.mutate({
      id: bucket.id,
      request: {
        key: String(form.get('key') ?? ''),
        method: form.get('method') === 'PUT' ? 'PUT' : 'GET',
        expiresInSeconds: Number(form.get('expires') ?? 300),
      },
    });
  };
  if (!open)
    return (
      <button type="button" onClick={() => setOpen(true)} aria-label={`presign in ${bucket.name}`}>
        presign
      </button>
    );
  return (
    <form onSubmit={submit} aria-label={`Presign in ${bucket.name}`} className="presign">
      <label htmlFor={`${id}-key`}>Object key</label>
      <input id={`${id}-key`} name="key" required autoComplete="off" />
      <label htmlFor={`${id}-method`}>Method</label>
      <select id={`${id}-method`} name="method" defaultValue="GET">
        <option>GET</option>
        <option>PUT</option>
      </select>
      <label htmlFor={`${id}-expires`}>Valid for (s)</label>
      <input
        id={`${id}-expires`}
        name="expires"
        type="number"
        min={1}
        max={bucket.classification === 'phi' ? 900 : 3600}
        defaultValue={300}
      />
      <div className="actions">
        <button type="submit" disabled={presign.isPending}>
          Get link
        </button>
        <button
          type="button"
          onClick={() => {
            presign.reset();
            setOpen(false);
          }}
        >
          Close
        </button>
      </div>
      <ProblemView error={presign.error} />
      {presign.data ? (
        <p data-testid="presigned-link">
          {presign.data.method} link, valid until {new Date(presign.data.expiresAt).toLocaleTimeString()}:{' '}
          <code className="console">{presign.data.url}</code>
        </p>
      ) : null}
    </form>
  );
}
