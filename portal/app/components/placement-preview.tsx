import type { Schemas } from '../api/client.ts';
import { SiteBadge } from './badges.tsx';

/** Every candidate target the policies weighed, permitted or not, with the policies that decided. */
export function PlacementPreview({ decision }: { decision: Schemas['PlacementDecision'] }) {
  return (
    <div className="table-scroll">
      <table className="preview" aria-label="Placement preview">
        <caption>
          {decision.chosen ? (
            <>
              Would be placed on <strong>{decision.chosen.targetId}</strong>
            </>
          ) : (
            <strong>No target permitted</strong>
          )}{' '}
          <span className="muted">(bundle {decision.bundleHash.slice(0, 12)})</span>
        </caption>
        <thead>
          <tr>
            <th scope="col">Target</th>
            <th scope="col">Site</th>
            <th scope="col">Decision</th>
            <th scope="col">Deciding policies</th>
          </tr>
        </thead>
        <tbody>
          {decision.candidates.map((c) => (
            <tr key={c.targetId} data-testid="candidate" data-permitted={c.permitted} data-site={c.site}>
              <td>
                {c.targetId}
                {decision.chosen?.targetId === c.targetId ? ' ★' : ''}
              </td>
              <td>
                <SiteBadge site={c.site} />
              </td>
              <td>
                {c.permitted ? <span className="ok">permitted</span> : <span className="denied">denied</span>}
              </td>
              <td>
                {c.policies.map((p) => (
                  <code key={p} className="policy-id">
                    {p}
                  </code>
                ))}
                {c.reasons.length > 0 ? <div className="muted">{c.reasons.join('; ')}</div> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
