import { type FormEvent, useState } from 'react';
import type { Schemas } from '../api/client.ts';
import { type OperationFilters, useOperations } from '../api/hooks.ts';
import { StatusBadge } from '../components/badges.tsx';
import { OperationProgress } from '../components/operation-progress.tsx';
import { ListStatus } from '../components/problem-view.tsx';

const STATUSES: Schemas['Operation']['status'][] = ['pending', 'running', 'succeeded', 'failed'];

/**
 * The tenant's operations from `GET /v1/operations` (filters status, kind, resource; paged by cursor),
 * and one operation's detail: steps with attempts (retries) and notes, and its error.
 */
export function Operations() {
  const [filters, setFilters] = useState<OperationFilters>({});
  // The cursors of the pages before this one: Back pops one, Next pushes the current page's nextCursor.
  const [cursors, setCursors] = useState<string[]>([]);
  const [selected, setSelected] = useState<string>();
  const cursor = cursors.at(-1);
  const operations = useOperations(filters, cursor);

  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const text = (name: string) => String(form.get(name) ?? '').trim() || undefined;
    const status = text('status') as OperationFilters['status'];
    setFilters({
      ...(status ? { status } : {}),
      ...(text('kind') ? { kind: text('kind') } : {}),
      ...(text('resourceId') ? { resourceId: text('resourceId') } : {}),
    });
    setCursors([]);
  };

  return (
    <>
      <h1>Operations</h1>
      <form className="filters" onSubmit={submit} aria-label="Filter operations">
        <label>
          Status{' '}
          <select name="status" defaultValue="">
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Kind <input name="kind" placeholder="vm.create" autoComplete="off" />
        </label>
        <label>
          Resource id <input name="resourceId" autoComplete="off" />
        </label>
        <button type="submit">Filter</button>
      </form>
      <ListStatus query={operations} what="operations" empty="No operation matches." />
      {operations.data && operations.data.items.length > 0 ? (
        <div className="table-scroll">
          <table aria-label="Operations">
            <thead>
              <tr>
                <th scope="col">Created</th>
                <th scope="col">Kind</th>
                <th scope="col">Resource</th>
                <th scope="col">Status</th>
                <th scope="col">Steps</th>
                <th scope="col">
                  <span className="visually-hidden">Detail</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {operations.data.items.map((op) => (
                <tr key={op.id} data-testid="operation-row" aria-selected={op.id === selected}>
                  <td>{new Date(op.createdAt).toLocaleString()}</td>
                  <td>
                    <code>{op.kind}</code>
                  </td>
                  <td>
                    {op.resource.type} <code>{op.resource.id}</code>
                  </td>
                  <td>
                    <StatusBadge value={op.status} />
                    {op.error ? <div className="field-error">{op.error.code}</div> : null}
                  </td>
                  <td>
                    {op.steps.length}
                    {/* A step's attempts count its retries and its polls (a build waits for the server). */}
                    {op.steps.some((s) => s.attempts > 1) ? (
                      <span className="muted">
                        {' '}
                        (up to {Math.max(...op.steps.map((s) => s.attempts))} attempts)
                      </span>
                    ) : null}
                  </td>
                  <td>
                    <button
                      type="button"
                      onClick={() => setSelected(op.id)}
                      aria-label={`detail of ${op.kind} ${op.id}`}
                    >
                      Detail
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <nav className="row" aria-label="Pages of operations">
        <button
          type="button"
          disabled={cursors.length === 0}
          onClick={() => setCursors(cursors.slice(0, -1))}
        >
          Previous page
        </button>
        <button
          type="button"
          disabled={!operations.data?.nextCursor}
          onClick={() => operations.data?.nextCursor && setCursors([...cursors, operations.data.nextCursor])}
        >
          Next page
        </button>
      </nav>
      {selected ? (
        <section aria-label="Operation detail">
          <h2>Detail</h2>
          <OperationProgress key={selected} id={selected} label="Operation" />
        </section>
      ) : null}
    </>
  );
}
