import { useOperation } from '../api/hooks.ts';
import { StatusBadge } from './badges.tsx';
import { ProblemView } from './problem-view.tsx';

/** An operation's steps as progress, followed (polled) until it succeeded or failed. */
export function OperationProgress({ id, label }: { id: string; label: string }) {
  const operation = useOperation(id);
  if (operation.error) return <ProblemView error={operation.error} />;
  const op = operation.data;
  if (!op) return <p className="muted">{label}: starting…</p>;
  const done = op.steps.filter((s) => s.status === 'succeeded' || s.status === 'skipped').length;
  return (
    <section className="operation" aria-label={`${label} progress`} data-testid="operation-progress">
      <p>
        {label}: <StatusBadge value={op.status} />{' '}
        <span className="muted">
          operation <code>{op.id}</code>
        </span>
      </p>
      <progress max={Math.max(op.steps.length, 1)} value={done} aria-label={`${label} steps done`} />
      <ol className="steps">
        {op.steps.map((step) => (
          <li key={step.name}>
            {step.name} <StatusBadge value={step.status} />
            {step.attempts > 1 ? <span className="muted"> ({step.attempts} attempts)</span> : null}
            {step.note ? <span className="muted"> — {step.note}</span> : null}
          </li>
        ))}
      </ol>
      {op.error ? (
        <p role="alert" className="problem">
          {op.error.code}: {op.error.message}
        </p>
      ) : null}
    </section>
  );
}
