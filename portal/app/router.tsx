import { createRootRoute, createRoute, createRouter, Link, Outlet } from '@tanstack/react-router';
import { useLiveEvents } from './api/event-stream.ts';
import { abilities, useSession } from './auth/session.ts';
import { signOut } from './auth/sign-in.ts';
import { Audit } from './pages/audit.tsx';
import { CreateVm } from './pages/create-vm.tsx';
import { ImagesLinks } from './pages/images-links.tsx';
import { Inventory } from './pages/inventory.tsx';
import { Operations } from './pages/operations.tsx';
import { Overview } from './pages/overview.tsx';
import { Policies } from './pages/policies.tsx';
import { Quotas } from './pages/quotas.tsx';
import { Storage } from './pages/storage.tsx';

function Layout() {
  const session = useSession();
  const can = abilities(session);
  const live = useLiveEvents();
  return (
    <>
      <a href="#main" className="skip">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Hybrid cloud broker</span>
        <nav aria-label="Main">
          <Link to="/">Overview</Link>
          <Link to="/inventory">Inventory</Link>
          <Link to="/storage">Storage</Link>
          <Link to="/images">Images &amp; links</Link>
          {can.change ? <Link to="/create">Create VM</Link> : null}
          <Link to="/operations">Operations</Link>
          <Link to="/quotas">Quotas</Link>
          <Link to="/policies">Policies</Link>
          {can.audit ? <Link to="/audit">Audit</Link> : null}
        </nav>
        <span className="who">
          {session?.subject} · {session?.tenant} · {session?.roles.join(', ')}
          <span className="badge" data-testid="live-status" title="How lists stay current">
            {live === 'live' ? 'live updates' : 'polling'}
          </span>
          {session?.via === 'development' ? (
            <span className="badge sim-badge">development sign-in</span>
          ) : null}
          <button type="button" onClick={signOut}>
            Sign out
          </button>
        </span>
      </header>
      <main id="main">
        <Outlet />
      </main>
    </>
  );
}

function NotAllowed() {
  return <p role="alert">Your roles do not include this page.</p>;
}

/** A page some roles do not get: the API would answer 403 anyway; the portal does not offer it. */
function only(allowed: keyof ReturnType<typeof abilities>, Page: () => React.ReactNode) {
  return function Guarded() {
    return abilities(useSession())[allowed] ? <Page /> : <NotAllowed />;
  };
}

const root = createRootRoute({ component: Layout });
const routes = [
  createRoute({ getParentRoute: () => root, path: '/', component: Overview }),
  createRoute({ getParentRoute: () => root, path: '/inventory', component: Inventory }),
  createRoute({ getParentRoute: () => root, path: '/storage', component: Storage }),
  createRoute({ getParentRoute: () => root, path: '/images', component: ImagesLinks }),
  createRoute({ getParentRoute: () => root, path: '/create', component: only('change', CreateVm) }),
  createRoute({ getParentRoute: () => root, path: '/operations', component: Operations }),
  createRoute({ getParentRoute: () => root, path: '/quotas', component: Quotas }),
  createRoute({ getParentRoute: () => root, path: '/policies', component: Policies }),
  createRoute({ getParentRoute: () => root, path: '/audit', component: only('audit', Audit) }),
];

export const router = createRouter({ routeTree: root.addChildren(routes) });

declare module '@tanstack/react-router' {
  interface Register {
    router: typeof router;
  }
}
