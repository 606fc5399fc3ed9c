import { type FormEvent, useState } from 'react';
import { ApiProblem } from '../api/client.ts';
import { type Role, sessionStore } from '../auth/session.ts';
import { developmentSignIn, oidcManager } from '../auth/sign-in.ts';
import { FieldError, ProblemView } from '../components/problem-view.tsx';
import type { PortalConfig } from '../config.ts';

const ROLES: { role: Role; says: string }[] = [
  { role: 'admin', says: 'tenant administrator: everything in the tenant, audit included' },
  { role: 'app', says: 'application: create and change resources, no audit' },
  { role: 'auditor', says: 'compliance: read everything and the audit, change nothing' },
  { role: 'operator', says: 'platform operator: read across tenants' },
];

export function SignIn({ config }: { config: PortalConfig }) {
  const [tenant, setTenant] = useState('demo');
  const [roles, setRoles] = useState<Role[]>(['admin']);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const { auth } = config;

  if (auth.mode === 'oidc')
    return (
      <main className="sign-in">
        <h1>Hybrid cloud broker</h1>
        <button type="button" onClick={() => void oidcManager(auth).then((m) => m.signinRedirect())}>
          Sign in with your hospital account
        </button>
      </main>
    );
  if (auth.mode !== 'development')
    return (
      <main className="sign-in">
        <h1>Hybrid cloud broker</h1>
        <p role="alert">No sign-in is configured for this portal (config.json names no identity provider).</p>
      </main>
    );

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await developmentSignIn(config.apiUrl, tenant, roles);
    } catch (problem) {
      setError(
        problem && typeof problem === 'object' && 'detail' in problem
          ? new ApiProblem(problem as never)
          : problem,
      );
      sessionStore.set(undefined);
    } finally {
      setBusy(false);
    }
  };
  const fields = error instanceof ApiProblem ? error.fieldErrors() : {};
  return (
    <main className="sign-in">
      <h1>Hybrid cloud broker</h1>
      <p className="sim" role="note">
        <strong>Development sign-in.</strong> This exists only on the embedded default (<code>npm start</code>
        ): the broker mints a token for any tenant and roles you pick. A deployed portal signs in with the
        hospital's identity provider instead.
      </p>
      <form onSubmit={submit} aria-label="Development sign-in">
        <label htmlFor="tenant">Tenant</label>
        <input
          id="tenant"
          value={tenant}
          onChange={(e) => setTenant(e.target.value)}
          aria-invalid={Boolean(fields.tenant)}
          aria-describedby={fields.tenant ? 'tenant-error' : undefined}
          autoComplete="off"
          required
        />
        <FieldError id="tenant-error" message={fields.tenant} />
        <fieldset>
          <legend>Roles</legend>
          {ROLES.map(({ role, says }) => (
            <label key={role} className="check">
              <input
                type="checkbox"
                name="roles"
                value={role}
                checked={roles.includes(role)}
                onChange={(e) =>
                  setRoles(e.target.checked ? [...roles, role] : roles.filter((r) => r !== role))
                }
              />
              <strong>{role}</strong> — {says}
            </label>
          ))}
          <FieldError id="roles-error" message={fields.roles} />
        </fieldset>
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
      {error && !(error instanceof ApiProblem && Object.keys(fields).length > 0) ? (
        <ProblemView error={error} />
      ) : null}
    </main>
  );
}
