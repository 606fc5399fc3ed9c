import { useState } from 'react';
import type { Schemas } from '../api/client.ts';
import { useBuckets, useSnapshots, useVms, useVolumeAttachment, useVolumes } from '../api/hooks.ts';
import { abilities, useSession } from '../auth/session.ts';
import { ClassificationBadge, StatusBadge } from '../components/badges.tsx';
import { BucketPresign } from '../components/bucket-presign.tsx';
import { OperationProgress } from '../components/operation-progress.tsx';
import { ListStatus, ProblemView } from '../components/problem-view.tsx';
import { followOperation, useFollowed } from '../operations-followed.ts';
import { NewBucket } from './new-bucket.tsx';
import { NewVolume } from './new-volume.tsx';

/** Attach an available volume to one of the tenant's running VMs, or detach an attached one. */
function Attachment({ volume, vms }: { volume: Schemas['Volume']; vms: Schemas['Vm'][] }) {
  const attachment = useVolumeAttachment();
  const [vmId, setVmId] = useState('');
  const follow = (r: { operation: { id: string } }, what: string) =>
    followOperation(r.operation.id, `${what} ${volume.name}`);
  if (volume.status === 'in-use')
    return (
      <button
        type="button"
        onClick={() => attachment.mutate({ id: volume.id }, { onSuccess: (r) => follow(r, 'detach') })}
        aria-label={`detach ${volume.name}`}
      >
        detach
      </button>
    );
  if (volume.status !== 'available') return null;
  const running = vms.filter((vm) => vm.status === 'active' || vm.status === 'stopped');
  return (
    <div className="actions">
      <label>
        <span className="visually-hidden">VM to attach {volume.name} to</span>
        <select value={vmId} onChange={(e) => setVmId(e.target.value)}>
          <option value="">choose a VM…</option>
          {running.map((vm) => (
            <option key={vm.id} value={vm.id}>
              {vm.name}
            </option>
          ))}
        </select>
      </label>
      <button
        type="button"
        disabled={!vmId}
        onClick={() => attachment.mutate({ id: volume.id, vmId }, { onSuccess: (r) => follow(r, 'attach') })}
        aria-label={`attach ${volume.name}`}
      >
        attach
      </button>
      <ProblemView error={attachment.error} />
    </div>
  );
}

/** Volumes and buckets with their classification, status and placement. */
export function Storage() {
  const volumes = useVolumes();
  const buckets = useBuckets();
  const vms = useVms();
  const can = abilities(useSession());
  const followed = useFollowed().slice(0, 3);
  const vmName = new Map((vms.data?.items ?? []).map((vm) => [vm.id, vm.name]));
  return (
    <>
      <h1>Storage</h1>
      <h2>Volumes</h2>
      {can.change ? <NewVolume /> : null}
      {followed.map((f) => (
        <OperationProgress key={f.id} id={f.id} label={f.label} />
      ))}
      <ListStatus query={volumes} what="volumes" empty="No volumes." />
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
                {can.change ? <th scope="col">Actions</th> : null}
              </tr>
            </thead>
            <tbody>
              {volumes.data.items.map((v) => (
                <tr key={v.id} data-testid="volume-row">
                  <td>{v.name}</td>
                  <td>
                    <ClassificationBadge value={v.classification} />
                  </td>
                  <td>
                    <StatusBadge value={v.status} />
                  </td>
                  <td>{v.sizeGiB} GiB</td>
                  <td>{v.placement?.targetId ?? '—'}</td>
                  <td>
                    {v.attachment ? (vmName.get(v.attachment.vmId) ?? <code>{v.attachment.vmId}</code>) : '—'}
                  </td>
                  {can.change ? (
                    <td>
                      <Attachment volume={v} vms={vms.data?.items ?? []} />
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <Snapshots volumes={volumes.data?.items ?? []} />
      <h2>Buckets</h2>
      {can.change ? <NewBucket /> : null}
      <ListStatus query={buckets} what="buckets" empty="No buckets." />
      {buckets.data?.items.length ? (
        <div className="table-scroll">
          <table aria-label="Buckets">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Class</th>
                <th scope="col">Status</th>
                <th scope="col">Target</th>
                {can.change ? <th scope="col">Actions</th> : null}
              </tr>
            </thead>
            <tbody>
              {buckets.data.items.map((b) => (
                <tr key={b.id} data-testid="bucket-row">
                  <td>{b.name}</td>
                  <td>
                    <ClassificationBadge value={b.classification} />
                  </td>
                  <td>
                    <StatusBadge value={b.status} />
                  </td>
                  <td>{b.placement?.targetId ?? '—'}</td>
                  {can.change ? <td>{b.status === 'active' ? <BucketPresign bucket={b} /> : null}</td> : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </>
  );
}

/** Every volume's snapshots (taken with a VM's snapshot action or the volume's). */
function Snapshots({ volumes }: { volumes: Schemas['Volume'][] }) {
  const snapshots = useSnapshots(volumes.filter((v) => v.status !== 'deleted').map((v) => v.id));
  const volumeName = new Map(volumes.map((v) => [v.id, v.name]));
  return (
    <>
      <h2>Snapshots</h2>
      <ProblemView error={snapshots.error} />
      {snapshots.items.length === 0 ? <p className="muted">No snapshots.</p> : null}
      {snapshots.items.length > 0 ? (
        <div className="table-scroll">
          <table aria-label="Snapshots">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Of volume</th>
                <th scope="col">Class</th>
                <th scope="col">Status</th>
                <th scope="col">Size</th>
                <th scope="col">Target</th>
              </tr>
            </thead>
            <tbody>
              {snapshots.items.map((s) => (
                <tr key={s.id} data-testid="snapshot-row">
                  <td>{s.name}</td>
                  <td>{volumeName.get(s.volumeId) ?? <code>{s.volumeId}</code>}</td>
                  <td>
                    <ClassificationBadge value={s.classification} />
                  </td>
                  <td>
                    <StatusBadge value={s.status} />
                  </td>
                  <td>{s.sizeGiB} GiB</td>
                  <td>{s.placement.targetId}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </>
  );
}
