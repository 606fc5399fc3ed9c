import { Link } from '@tanstack/react-router';
import type { Schemas } from '../api/client.ts';
import { useAudit, useOperations, useTargetDetail, useTargets, useVms } from '../api/hooks.ts';
import { abilities, useSession } from '../auth/session.ts';
import { SiteBadge, StatusBadge } from '../components/badges.tsx';
import { Loading, ProblemView } from '../components/problem-view.tsx';

/** Targets by site and region with health and circuit state, and where the PHI workloads are. */
export function Overview() {
  const targets = useTargets();
  const vms = useVms();
  const can = abilities(useSession());
  const bySite = new Map<string, Schemas['Target'][]>();
  for (const t of targets.data ?? []) bySite.set(t.site, [...(bySite.get(t.site) ?? []), t]);
  const byId = new Map((targets.data ?? []).map((t) => [t.id, t]));
  const phi = (vms.data?.items ?? []).filter((vm) => vm.classification === 'phi' && vm.status !== 'deleted');
  const phiOffPrem = phi.filter((vm) => vm.placement && byId.get(vm.placement.targetId)?.site !== 'onprem');
  const failed = (vms.data?.items ?? []).filter((vm) => vm.status === 'error');
  const failedOps = useOperations({ status: 'failed' });
  const denials = (useAudit({}, can.audit).data?.items ?? [])
    .filter((r) => r.outcome === 'denied')
    .slice(0, 5);

  return (
    <>
      <h1>Overview</h1>
      {(targets.data ?? []).some((t) => t.simulation) ? (
        <p className="sim" role="note">
          <strong>Simulation.</strong> Targets marked “simulation” are the broker's in-process sandbox cloud,
          not real clouds.
        </p>
      ) : null}
      <section aria-labelledby="containment">
        <h2 id="containment">PHI containment</h2>
        {vms.isPending ? <Loading what="VMs" /> : null}
        <ProblemView error={vms.error} />
        {vms.data ? (
          <p className={phiOffPrem.length === 0 ? 'contained' : 'problem'} data-testid="containment">
            {phiOffPrem.length === 0
              ? `${phi.length} PHI VM${phi.length === 1 ? '' : 's'}, all on on-prem targets.`
              : `${phiOffPrem.length} of ${phi.length} PHI VMs are NOT on an on-prem target.`}{' '}
            {can.audit ? <Link to="/audit">Proof: the audit trail and its verified chain</Link> : null}
          </p>
        ) : null}
        {failed.length > 0 ? (
          <p className="problem">{failed.length} VM(s) in error: see the inventory.</p>
        ) : null}
      </section>
      {can.audit ? (
        <section aria-labelledby="denials">
          <h2 id="denials">Recent denials</h2>
          {denials.length === 0 ? <p className="muted">None in the latest audit records.</p> : null}
          <ul>
            {denials.map((r) => (
              <li key={`${r.chain}-${r.seq}`}>
                {new Date(r.at).toLocaleString()}: {r.actor.sub} — {r.action} ({r.errorCode ?? r.httpStatus}){' '}
                {r.policies.map((p) => (
                  <code key={p} className="policy-id">
                    {p}
                  </code>
                ))}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <section aria-labelledby="failed-ops">
        <h2 id="failed-ops">Recent failed operations</h2>
        <ProblemView error={failedOps.error} />
        {failedOps.data && failedOps.data.items.length === 0 ? <p className="muted">None.</p> : null}
        <ul data-testid="failed-operations">
          {(failedOps.data?.items ?? []).slice(0, 5).map((op) => (
            <li key={op.id}>
              {new Date(op.createdAt).toLocaleString()}: <code>{op.kind}</code> {op.resource.type}{' '}
              <code>{op.resource.id}</code> — {op.error?.code ?? 'failed'}
            </li>
          ))}
        </ul>
        <Link to="/operations">All operations</Link>
      </section>
      <section aria-labelledby="targets">
        <h2 id="targets">Targets</h2>
        {targets.isPending ? <Loading what="targets" /> : null}
        <ProblemView error={targets.error} />
        {[...bySite].map(([site, list]) => (
          <div key={site}>
            <h3>
              <SiteBadge site={site as 'onprem' | 'public'} />
            </h3>
            <div className="table-scroll">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Target</th>
                    <th scope="col">Cloud</th>
                    <th scope="col">Region</th>
                    <th scope="col">Health</th>
                    <th scope="col">Circuit</th>
                    <th scope="col">Cloud capacity used</th>
                    <th scope="col">Your quota on the site</th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((t) => (
                    <tr key={t.id}>
                      <td>
                        {t.id}
                        <div className="muted">{t.description}</div>
                        {t.simulation ? <span className="badge sim-badge">simulation</span> : null}
                      </td>
                      <td>{t.cloud}</td>
                      <td>{t.region}</td>
                      <td>
                        <StatusBadge value={t.health.status} />
                      </td>
                      <td>
                        <StatusBadge value={t.circuit} />
                      </td>
                      <TargetUse id={t.id} />
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </div>
        ))}
      </section>
    </>
  );
}

const SHOWN = [
  ['instances', 'instances'],
  ['vcpus', 'vCPUs'],
] as const;

/** The cloud's own limits (the whole project's or account's use) and the tenant's quota on the site. */
function TargetUse({ id }: { id: string }) {
  const detail = useTargetDetail(id);
  if (detail.error)
    return (
      <td colSpan={2} className="muted">
        unavailable
      </td>
    );
  if (!detail.data)
    return (
      <td colSpan={2} className="muted">
        …
      </td>
    );
  const { capacity, quotas } = detail.data;
  return (
    <>
      <td data-testid="capacity">
        {capacity.error ? (
          <span className="muted">
            {capacity.error === 'limits.unsupported'
              ? 'not reported by this cloud'
              : `not readable (${capacity.error})`}
          </span>
        ) : (
          SHOWN.map(([key, label]) => {
            const r = capacity.resources[key];
            if (!r) return null;
            return (
              <div key={key}>
                {/* Some clouds report a limit without the project's use. */}
                {r.used === undefined ? 'limit' : `${r.used} of`} {r.limit ?? 'unlimited'} {label}
              </div>
            );
          })
        )}
      </td>
      <td data-testid="target-quota">
        {quotas ? (
          SHOWN.map(([key, label]) => {
            const q = quotas[key];
            return (
              <div key={key}>
                <meter
                  min={0}
                  max={Math.max(q.limit, 1)}
                  value={q.used + q.reserved}
                  aria-label={`${label} quota used`}
                />{' '}
                {q.used + q.reserved} of {q.limit} {label}
              </div>
            );
          })
        ) : (
          <span className="muted">—</span>
        )}
      </td>
    </>
  );
}
