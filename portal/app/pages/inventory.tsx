import { Link } from '@tanstack/react-router';
import { useState } from 'react';
import type { Schemas } from '../api/client.ts';
import { useDeleteVm, useTargets, useVmAction, useVms, type VmFilters } from '../api/hooks.ts';
import { abilities, useSession } from '../auth/session.ts';
import { ClassificationBadge, StatusBadge } from '../components/badges.tsx';
import { ConfirmButton } from '../components/confirm-button.tsx';
import { OperationProgress } from '../components/operation-progress.tsx';
import { ListStatus, ProblemView } from '../components/problem-view.tsx';
import { followOperation, useFollowed } from '../operations-followed.ts';

const STATUSES = ['pending', 'building', 'active', 'stopped', 'paused', 'error', 'deleting'] as const;
const CLASSES = ['public', 'internal', 'pii', 'phi'] as const;

type Vm = Schemas['Vm'];
type SimpleAction = 'start' | 'stop' | 'pause' | 'unpause';

/** What each status allows (the API decides; this only avoids offering what can only answer 409). */
const OFFERED: Record<string, SimpleAction[]> = {
  active: ['stop', 'pause'],
  stopped: ['start'],
  paused: ['unpause'],
};

/** The tenant's VMs with filters, status kept live by polling, actions and their operations' progress. */
export function Inventory() {
  const [filters, setFilters] = useState<VmFilters>({});
  const vms = useVms(filters);
  const can = abilities(useSession());
  const act = useVmAction();
  const remove = useDeleteVm();
  const followed = useFollowed().slice(0, 3);
  const targets = useTargets().data ?? [];
  const sizes = [...new Set(targets.flatMap((t) => t.sizes))];
  const [consoleView, setConsole] = useState<{ name: string; text: string }>();

  const run = (vm: Vm, action: Schemas['VmAction']) =>
    act.mutate(
      { id: vm.id, action },
      {
        onSuccess: (r) => {
          if ('operation' in r) followOperation(r.operation.id, `${action.type} ${vm.name}`);
          else if ('console' in r)
            setConsole({ name: vm.name, text: r.console.kind === 'url' ? r.console.url : r.console.output });
        },
      },
    );

  return (
    <>
      <div className="row spread">
        <h1>Inventory: VMs</h1>
        {can.change ? (
          <Link to="/create" className="button">
            Create VM
          </Link>
        ) : null}
      </div>
      <form className="filters" aria-label="Filter VMs" onSubmit={(e) => e.preventDefault()}>
        <label>
          Status{' '}
          <select
            value={filters.status ?? ''}
            onChange={(e) =>
              setFilters({ ...filters, status: (e.target.value || undefined) as VmFilters['status'] })
            }
          >
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Classification{' '}
          <select
            value={filters.classification ?? ''}
            onChange={(e) =>
              setFilters({
                ...filters,
                classification: (e.target.value || undefined) as VmFilters['classification'],
              })
            }
          >
            <option value="">any</option>
            {CLASSES.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        </label>
      </form>
      <ProblemView error={act.error ?? remove.error} />
      {followed.map((f) => (
        <OperationProgress key={f.id} id={f.id} label={f.label} />
      ))}
      {consoleView ? (
        <section aria-label={`Console of ${consoleView.name}`} className="operation">
          <p className="row spread">
            <strong>Console of {consoleView.name}</strong>
            <button type="button" onClick={() => setConsole(undefined)}>
              Close
            </button>
          </p>
          <pre className="console">{consoleView.text}</pre>
        </section>
      ) : null}
      <ListStatus query={vms} what="VMs" empty="No VMs match." />
      {vms.data && vms.data.items.length > 0 ? (
        <div className="table-scroll">
          <table aria-label="VMs">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Class</th>
                <th scope="col">Status</th>
                <th scope="col">Target</th>
                <th scope="col">Size</th>
                {can.change ? <th scope="col">Actions</th> : null}
              </tr>
            </thead>
            <tbody>
              {vms.data.items.map((vm) => (
                <tr key={vm.id} data-testid="vm-row" data-vm-id={vm.id}>
                  <td>
                    {vm.name}
                    <div className="muted">
                      <code>{vm.id}</code>
                    </div>
                  </td>
                  <td>
                    <ClassificationBadge value={vm.classification} />
                  </td>
                  <td>
                    <StatusBadge value={vm.status} />
                    {vm.task ? <span className="muted"> {vm.task}</span> : null}
                  </td>
                  <td>{vm.placement?.targetId ?? '—'}</td>
                  <td>{vm.size}</td>
                  {can.change ? (
                    <td>
                      <div className="actions">
                        {(OFFERED[vm.status] ?? []).map((type) => (
                          <button
                            key={type}
                            type="button"
                            onClick={() => run(vm, { type })}
                            aria-label={`${type} ${vm.name}`}
                          >
                            {type}
                          </button>
                        ))}
                        {vm.status === 'active' ? (
                          <button
                            type="button"
                            onClick={() => run(vm, { type: 'reboot', mode: 'soft' })}
                            aria-label={`reboot ${vm.name}`}
                          >
                            reboot
                          </button>
                        ) : null}
                        {vm.status === 'active' ? (
                          <button
                            type="button"
                            onClick={() => run(vm, { type: 'console' })}
                            aria-label={`console of ${vm.name}`}
                          >
                            console
                          </button>
                        ) : null}
                        {vm.status === 'stopped' || vm.status === 'active' ? (
                          <button
                            type="button"
                            onClick={() => run(vm, { type: 'snapshot' })}
                            aria-label={`snapshot ${vm.name}`}
                          >
                            snapshot
                          </button>
                        ) : null}
                        {vm.status === 'stopped' || vm.status === 'active' ? (
                          <label>
                            <span className="visually-hidden">Resize {vm.name} to</span>
                            <select
                              value=""
                              onChange={(e) =>
                                e.target.value && run(vm, { type: 'resize', size: e.target.value })
                              }
                            >
                              <option value="">resize…</option>
                              {sizes
                                .filter((size) => size !== vm.size)
                                .map((size) => (
                                  <option key={size}>{size}</option>
                                ))}
                            </select>
                          </label>
                        ) : null}
                        {vm.status === 'active' ? (
                          // A move to another host of the same target: the broker refuses cross-target
                          // moves (placement decided the target; a new VM is the way to another one).
                          <button
                            type="button"
                            onClick={() => run(vm, { type: 'migrate' })}
                            aria-label={`migrate ${vm.name}`}
                          >
                            migrate
                          </button>
                        ) : null}
                        {vm.status !== 'deleting' && vm.status !== 'deleted' ? (
                          <ConfirmButton
                            label="Delete"
                            question={`Delete VM ${vm.name}? Its disks are destroyed.`}
                            onConfirm={() =>
                              remove.mutate(vm.id, {
                                onSuccess: (r) => followOperation(r.operation.id, `delete ${vm.name}`),
                              })
                            }
                          />
                        ) : null}
                      </div>
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </>
  );
}
