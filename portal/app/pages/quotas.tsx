import { type FormEvent, useState } from 'react';
import { ApiProblem, type Schemas } from '../api/client.ts';
import { type UsageQuery, useQuotas, useUpdateQuotas, useUsage, useUsageSeries } from '../api/hooks.ts';
import { abilities, useSession } from '../auth/session.ts';
import { FieldError, Loading, ProblemView } from '../components/problem-view.tsx';
import { QUOTA_RESOURCES, SiteQuotaBars } from '../components/quota-bars.tsx';
import { round, UsageChart } from '../components/usage-chart.tsx';

const GROUPS: UsageQuery['groupBy'][] = ['site', 'target', 'classification', 'size', 'resource'];
const SITES = ['onprem', 'public'] as const;
const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

/** Per-site quota bars, usage per day, cost by group; the limits form for admins and operators. */
export function Quotas() {
  const session = useSession();
  const can = abilities(session);
  const quotas = useQuotas();
  const series = useUsageSeries(7);
  const [usageQuery, setUsageQuery] = useState<UsageQuery>({
    groupBy: 'site',
    from: `${day(-6)}T00:00:00Z`,
    to: `${day(1)}T00:00:00Z`,
  });
  const usage = useUsage(usageQuery);

  const submitUsage = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setUsageQuery({
      groupBy: String(form.get('groupBy')) as UsageQuery['groupBy'],
      from: `${form.get('from')}T00:00:00Z`,
      to: `${form.get('to')}T00:00:00Z`,
    });
  };

  return (
    <>
      <h1>Quotas and usage</h1>
      <section aria-labelledby="quotas-heading">
        <h2 id="quotas-heading">Quotas per site</h2>
        <p className="muted">Solid: in use; light: reserved by operations still running.</p>
        {quotas.isPending ? <Loading what="quotas" /> : null}
        <ProblemView error={quotas.error} />
        {quotas.data ? (
          <div className="quota-sites">
            {SITES.map((site) => (
              <SiteQuotaBars key={site} site={site} quota={quotas.data[site]} />
            ))}
          </div>
        ) : null}
        {can.quotas && quotas.data ? <QuotaForm quotas={quotas.data} /> : null}
      </section>

      <section aria-labelledby="usage-heading">
        <h2 id="usage-heading">vCPU hours per day (last 7 days, UTC)</h2>
        {series.isPending ? <Loading what="usage" /> : null}
        <ProblemView error={series.error} />
        {!series.isPending && !series.error ? (
          <UsageChart
            unit="vCPU hours"
            points={series.days.map((d) => ({ label: d.day, value: d.total?.vcpuHours ?? 0 }))}
          />
        ) : null}
      </section>

      <section aria-labelledby="cost-heading">
        <h2 id="cost-heading">Usage and cost by group</h2>
        <form className="filters" onSubmit={submitUsage} aria-label="Usage window">
          <label>
            Group by{' '}
            <select name="groupBy" defaultValue={usageQuery.groupBy}>
              {GROUPS.map((g) => (
                <option key={g}>{g}</option>
              ))}
            </select>
          </label>
          <label>
            From <input type="date" name="from" required defaultValue={usageQuery.from.slice(0, 10)} />
          </label>
          <label>
            To (exclusive) <input type="date" name="to" required defaultValue={usageQuery.to.slice(0, 10)} />
          </label>
          <button type="submit">Show usage</button>
        </form>
        <ProblemView error={usage.error} />
        {usage.data ? <UsageTable report={usage.data} /> : null}
      </section>
    </>
  );
}

function UsageTable({ report }: { report: Schemas['UsageReport'] }) {
  if (report.groups.length === 0) return <p className="muted">No usage in this window.</p>;
  const cost = (n: number | undefined) =>
    n === undefined ? '—' : `${n.toFixed(2)} ${report.currency ?? ''}`;
  return (
    <div className="table-scroll">
      <table aria-label={`Usage by ${report.groupBy}`}>
        <thead>
          <tr>
            <th scope="col">{report.groupBy}</th>
            <th scope="col">vCPU h</th>
            <th scope="col">RAM GiB h</th>
            <th scope="col">Volume GiB h</th>
            <th scope="col">Instance h</th>
            <th scope="col">Cost</th>
          </tr>
        </thead>
        <tbody>
          {report.groups.map((g) => (
            <tr key={g.key} data-testid="usage-row">
              <td>{g.key}</td>
              <td>{round(g.vcpuHours)}</td>
              <td>{round(g.ramGiBHours)}</td>
              <td>{round(g.volumeGiBHours)}</td>
              <td>{round(g.instanceHours)}</td>
              <td>
                {cost(g.cost)}
                {g.unpriced ? <span className="muted"> (partly unpriced)</span> : null}
              </td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">Total</th>
            <td>{round(report.total.vcpuHours)}</td>
            <td>{round(report.total.ramGiBHours)}</td>
            <td>{round(report.total.volumeGiBHours)}</td>
            <td>{round(report.total.instanceHours)}</td>
            <td>{cost(report.total.cost)}</td>
          </tr>
        </tfoot>
      </table>
    </div>
  );
}

/** The tenant's limits, sent as a patch of the fields that changed; field errors land beside their field. */
function QuotaForm({ quotas }: { quotas: Schemas['Quotas'] }) {
  const update = useUpdateQuotas();
  const [saved, setSaved] = useState(false);
  const fieldErrors = update.error instanceof ApiProblem ? update.error.fieldErrors() : {};
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const patch: Schemas['QuotaPatch'] = {};
    for (const site of SITES)
      for (const [key] of QUOTA_RESOURCES) {
        const value = Number(form.get(`${site}.${key}`));
        if (value !== quotas[site][key].limit) patch[site] = { ...patch[site], [key]: value };
      }
    setSaved(false);
    update.mutate({ tenant: quotas.tenant, patch }, { onSuccess: () => setSaved(true) });
  };
  return (
    <details>
      <summary>Change the limits of {quotas.tenant}</summary>
      <form onSubmit={submit} aria-label="Quota limits" className="quota-sites">
        {SITES.map((site) => (
          <fieldset key={site}>
            <legend>{site === 'onprem' ? 'On-prem' : 'Public cloud'}</legend>
            {QUOTA_RESOURCES.map(([key, label]) => {
              const name = `${site}.${key}`;
              const error = fieldErrors[name];
              return (
                <label key={key}>
                  {label}{' '}
                  <input
                    type="number"
                    min={0}
                    step={1}
                    name={name}
                    defaultValue={quotas[site][key].limit}
                    aria-invalid={error ? true : undefined}
                    aria-describedby={error ? `${name}-error` : undefined}
                  />
                  <FieldError id={`${name}-error`} message={error} />
                </label>
              );
            })}
          </fieldset>
        ))}
        <div>
          <button type="submit" disabled={update.isPending}>
            Save limits
          </button>
          {saved ? (
            <p role="status" className="ok">
              Saved.
            </p>
          ) : null}
          <ProblemView error={update.error} />
        </div>
      </form>
    </details>
  );
}
