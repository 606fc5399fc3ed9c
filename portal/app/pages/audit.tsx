import { type FormEvent, useState } from 'react';
import { type AuditFilters, useAudit, useAuditVerify } from '../api/hooks.ts';
import { StatusBadge } from '../components/badges.tsx';
import { Loading, ProblemView } from '../components/problem-view.tsx';

const toIso = (local: string) => (local ? new Date(local).toISOString() : undefined);

type AuditRecord = NonNullable<ReturnType<typeof useAudit>['data']>['items'][number];

/** The records shown, as CSV (RFC 4180 quoting), downloaded from memory: nothing goes into a URL. */
function downloadCsv(records: AuditRecord[]): void {
  const quote = (v: unknown) => `"${String(v ?? '').replace(/"/g, '""')}"`;
  const header = [
    'chain',
    'seq',
    'at',
    'actor',
    'action',
    'resourceType',
    'resourceId',
    'outcome',
    'httpStatus',
    'policies',
    'hash',
  ];
  const rows = records.map((r) =>
    [
      r.chain,
      r.seq,
      r.at,
      r.actor.sub,
      r.action,
      r.resource.type,
      r.resource.id,
      r.outcome,
      r.httpStatus,
      r.policies.join(' '),
      r.hash,
    ]
      .map(quote)
      .join(','),
  );
  const blob = new Blob([[header.join(','), ...rows].join('\r\n')], { type: 'text/csv' });
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = 'audit.csv';
  link.click();
  URL.revokeObjectURL(link.href);
}

/** The tenant's audit trail: filters (action and time by the API; actor and resource on the page) and the chain's verification. */
export function Audit() {
  const [draft, setDraft] = useState({ action: '', from: '', to: '', actor: '', resource: '' });
  const [applied, setApplied] = useState(draft);
  const filters: AuditFilters = {
    ...(applied.action ? { action: applied.action } : {}),
    ...(applied.from ? { from: toIso(applied.from) } : {}),
    ...(applied.to ? { to: toIso(applied.to) } : {}),
  };
  const audit = useAudit(filters);
  const verify = useAuditVerify();
  const records = (audit.data?.items ?? []).filter(
    (r) =>
      (!applied.actor || r.actor.sub.includes(applied.actor)) &&
      (!applied.resource || `${r.resource.type} ${r.resource.id ?? ''}`.includes(applied.resource)),
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setApplied(draft);
  };
  const field = (key: keyof typeof draft, label: string, type = 'text') => (
    <label>
      {label}{' '}
      <input type={type} value={draft[key]} onChange={(e) => setDraft({ ...draft, [key]: e.target.value })} />
    </label>
  );

  return (
    <>
      <h1>Audit</h1>
      <section aria-labelledby="chain" className="row">
        <h2 id="chain">Chain</h2>
        <button type="button" onClick={() => verify.mutate()} disabled={verify.isPending}>
          Verify the chain
        </button>
        <span aria-live="polite" data-testid="chain-status">
          {verify.data
            ? verify.data.ok
              ? `Verified: ${verify.data.records} records of chain ${verify.data.chain} are intact.`
              : `BROKEN at record ${verify.data.brokenAt} of chain ${verify.data.chain}.`
            : verify.isPending
              ? 'Verifying…'
              : 'Not verified yet.'}
        </span>
      </section>
      <ProblemView error={verify.error} />
      <form className="filters" onSubmit={submit} aria-label="Filter audit records">
        {field('actor', 'Actor')}
        {field('action', 'Action')}
        {field('resource', 'Resource')}
        {field('from', 'From', 'datetime-local')}
        {field('to', 'To', 'datetime-local')}
        <button type="submit">Filter</button>
        <button type="button" onClick={() => downloadCsv(records)} disabled={records.length === 0}>
          Export CSV
        </button>
      </form>
      {audit.isPending ? <Loading what="audit records" /> : null}
      <ProblemView error={audit.error} />
      {audit.data && records.length === 0 ? <p className="muted">No records match.</p> : null}
      {records.length > 0 ? (
        <div className="table-scroll">
          <table aria-label="Audit records">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">When</th>
                <th scope="col">Actor</th>
                <th scope="col">Action</th>
                <th scope="col">Resource</th>
                <th scope="col">Outcome</th>
                <th scope="col">Policies</th>
              </tr>
            </thead>
            <tbody>
              {records.map((r) => (
                <tr key={`${r.chain}-${r.seq}`}>
                  <td>{r.seq}</td>
                  <td>{new Date(r.at).toLocaleString()}</td>
                  <td>{r.actor.sub}</td>
                  <td>{r.action}</td>
                  <td>
                    {r.resource.type} <code>{r.resource.id ?? ''}</code>
                  </td>
                  <td>
                    <StatusBadge value={r.outcome} /> {r.httpStatus}
                  </td>
                  <td>
                    {r.policies.map((p) => (
                      <code key={p} className="policy-id">
                        {p}
                      </code>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </>
  );
}
