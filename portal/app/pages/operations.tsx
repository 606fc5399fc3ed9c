import { type FormEvent, useState } from 'react';
import { OperationProgress } from '../components/operation-progress.tsx';
import { useFollowed } from '../operations-followed.ts';

/** Operations started in this session, and any operation by id, with their steps, errors and retries. */
export function Operations() {
  const followed = useFollowed();
  const [draft, setDraft] = useState('');
  const [lookup, setLookup] = useState<string>();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setLookup(draft.trim() || undefined);
  };
  return (
    <>
      <h1>Operations</h1>
      <form className="filters" onSubmit={submit} aria-label="Find an operation">
        <label>
          Operation id <input value={draft} onChange={(e) => setDraft(e.target.value)} autoComplete="off" />
        </label>
        <button type="submit">Show</button>
      </form>
      {lookup ? <OperationProgress key={lookup} id={lookup} label="Operation" /> : null}
      <h2>Started in this session</h2>
      {followed.length === 0 ? <p className="muted">None yet.</p> : null}
      {followed.map((f) => (
        <OperationProgress key={f.id} id={f.id} label={f.label} />
      ))}
    </>
  );
}
