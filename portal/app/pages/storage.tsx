import { useBuckets, useVolumes } from '../api/hooks.ts';
import { ClassificationBadge, StatusBadge } from '../components/badges.tsx';
import { Loading, ProblemView } from '../components/problem-view.tsx';

/** Volumes and buckets with their classification, status and placement. */
export function Storage() {
  const volumes = useVolumes();
  const buckets = useBuckets();
  return (
    <>
      <h1>Storage</h1>
      <h2>Volumes</h2>
      {volumes.isPending ? <Loading what="volumes" /> : null}
      <ProblemView error={volumes.error} />
      {volumes.data?.items.length === 0 ? <p className="muted">No volumes.</p> : null}
      {volumes.data?.items.length ? (
        <div className="table-scroll">
          <table aria-label="Volumes">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Class</th>
                <th scope="col">Status</th>
                <th scope="col">Size</th>
                <th scope="col">Target</th>
                <th scope="col">Attached to</th>
              </tr>
            </thead>
            <tbody>
              {volumes.data.items.map((v) => (
                <tr key={v.id}>
                  <td>{v.name}</td>
                  <td>
                    <ClassificationBadge value={v.classification} />
                  </td>
                  <td>
                    <StatusBadge value={v.status} />
                  </td>
                  <td>{v.sizeGiB} GiB</td>
                  <td>{v.placement?.targetId ?? '—'}</td>
                  <td>{v.attachment ? <code>{v.attachment.vmId}</code> : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <h2>Buckets</h2>
      {buckets.isPending ? <Loading what="buckets" /> : null}
      <ProblemView error={buckets.error} />
      {buckets.data?.items.length === 0 ? <p className="muted">No buckets.</p> : null}
      {buckets.data?.items.length ? (
        <div className="table-scroll">
          <table aria-label="Buckets">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Class</th>
                <th scope="col">Status</th>
                <th scope="col">Target</th>
              </tr>
            </thead>
            <tbody>
              {buckets.data.items.map((b) => (
                <tr key={b.id}>
                  <td>{b.name}</td>
                  <td>
                    <ClassificationBadge value={b.classification} />
                  </td>
                  <td>
                    <StatusBadge value={b.status} />
                  </td>
                  <td>{b.placement?.targetId ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </>
  );
}
