import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider } from '@tanstack/react-router';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { apiClient } from './api/client.ts';
import { ApiContext } from './api/context.ts';
import { useEventStream } from './api/event-stream.ts';
import { useSession } from './auth/session.ts';
import { completeOidcRedirect } from './auth/sign-in.ts';
import { loadConfig, type PortalConfig } from './config.ts';
import { SignIn } from './pages/sign-in.tsx';
import { router } from './router.tsx';
import './styles.css';

function App({ config }: { config: PortalConfig }) {
  const session = useSession();
  return session ? (
    <>
      <LiveEvents baseUrl={config.apiUrl || location.origin} />
      <RouterProvider router={router} />
    </>
  ) : (
    <SignIn config={config} />
  );
}

/** Follows the event stream while signed in (lists then refresh on events instead of polling). */
function LiveEvents({ baseUrl }: { baseUrl: string }) {
  useEventStream(baseUrl);
  return null;
}

const rootElement = document.getElementById('root')!;
try {
  const config = await loadConfig();
  if (config.auth.mode === 'oidc') await completeOidcRedirect(config.auth);
  const queries = new QueryClient({
    defaultOptions: { queries: { retry: (count, error) => count < 2 && !('problem' in error) } },
  });
  createRoot(rootElement).render(
    <StrictMode>
      <ApiContext value={apiClient(config.apiUrl || location.origin)}>
        <QueryClientProvider client={queries}>
          <App config={config} />
        </QueryClientProvider>
      </ApiContext>
    </StrictMode>,
  );
} catch (error) {
  rootElement.textContent = `The portal could not start: ${error instanceof Error ? error.message : String(error)}`;
}
