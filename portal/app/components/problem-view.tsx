import { ApiProblem } from '../api/client.ts';

/** A failure as the API told it: title, `detail`, field errors and the request id for support. */
export function ProblemView({ error }: { error: unknown }) {
  if (!error) return null;
  if (!(error instanceof ApiProblem))
    return (
      <div role="alert" className="problem">
        <strong>Something went wrong.</strong> {error instanceof Error ? error.message : String(error)}
      </div>
    );
  const { problem } = error;
  return (
    <div role="alert" className="problem">
      <strong>
        {problem.title} ({problem.status})
      </strong>
      <p>{problem.detail}</p>
      {problem.requestId ? <p className="muted">Request id {problem.requestId}</p> : null}
    </div>
  );
}

export function FieldError({ id, message }: { id: string; message: string | undefined }) {
  return message ? (
    <span id={id} className="field-error">
      {message}
    </span>
  ) : null;
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" aria-live="polite">
      Loading {what}…
    </p>
  );
}

/** A list query's state above its table: loading, its problem, or that it came back empty (one place). */
export function ListStatus({
  query,
  what,
  empty,
}: {
  query: { isPending: boolean; error: unknown; data?: { items: readonly unknown[] } | undefined };
  what: string;
  empty: string;
}) {
  return (
    <>
      {query.isPending ? <Loading what={what} /> : null}
      <ProblemView error={query.error} />
      {query.data?.items.length === 0 ? <p className="muted">{empty}</p> : null}
    </>
  );
}
