import { usePolicyBundle, usePolicyTests } from '../api/hooks.ts';
import { Loading, ProblemView } from './problem-view.tsx';

/** The bundle in force: its hash (the one every decision records), its files and its policies. */
export function PolicyBundleView() {
  const bundle = usePolicyBundle();
  if (bundle.isPending) return <Loading what="the policy bundle" />;
  if (bundle.error) return <ProblemView error={bundle.error} />;
  const { hash, files, policies } = bundle.data;
  return (
    <section aria-labelledby="bundle-heading">
      <h2 id="bundle-heading">Bundle in force</h2>
      <p>
        Hash{' '}
        <code className="hash" data-testid="bundle-hash">
          {hash}
        </code>
      </p>
      <p>
        Files:{' '}
        {files.map((f) => (
          <code key={f} className="policy-id">
            {f}
          </code>
        ))}
      </p>
      <div className="table-scroll">
        <table aria-label="Policies">
          <thead>
            <tr>
              <th scope="col">@id</th>
              <th scope="col">Effect</th>
              <th scope="col">Where</th>
              <th scope="col">Reason</th>
            </tr>
          </thead>
          <tbody>
            {policies.map((p) => (
              <tr key={p.id} data-testid="policy-row">
                <td>
                  <code>{p.id}</code>
                </td>
                <td className={p.effect === 'forbid' ? 'denied' : 'ok'}>{p.effect}</td>
                <td>
                  {p.file}:{p.line}
                </td>
                <td>{p.reason ?? <span className="muted">—</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** The policy tests' results: a count, every failure with what differed, and all cases on demand. */
export function PolicyTestsView() {
  const tests = usePolicyTests();
  if (tests.isPending) return <Loading what="the policy tests" />;
  if (tests.error) return <ProblemView error={tests.error} />;
  const { available, passed, failed, cases } = tests.data;
  return (
    <section aria-labelledby="tests-heading">
      <h2 id="tests-heading">Policy tests</h2>
      {!available ? (
        <p className="muted">
          This deployment carries no policy tests (they run in CI before a bundle ships).
        </p>
      ) : (
        <p className={failed === 0 ? 'contained' : 'problem'} data-testid="policy-tests">
          {failed === 0
            ? `All ${passed} policy tests pass.`
            : `${failed} of ${passed + failed} policy tests fail.`}
        </p>
      )}
      {cases.some((c) => !c.passed) ? (
        <ul>
          {cases
            .filter((c) => !c.passed)
            .map((c) => (
              <li key={`${c.kind}-${c.name}`}>
                {c.kind}: {c.name}
                <ul>
                  {c.failures.map((f) => (
                    <li key={f}>{f}</li>
                  ))}
                </ul>
              </li>
            ))}
        </ul>
      ) : null}
      {cases.length > 0 ? (
        <details>
          <summary>Every case ({cases.length})</summary>
          <ul className="steps">
            {cases.map((c, i) => (
              // Case names may repeat across files: the position keeps keys unique.
              // biome-ignore lint/suspicious/noArrayIndexKey: the list never reorders
              <li key={i}>
                <span className={c.passed ? 'ok' : 'denied'}>{c.passed ? 'pass' : 'FAIL'}</span> {c.kind}:{' '}
                {c.name}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </section>
  );
}
