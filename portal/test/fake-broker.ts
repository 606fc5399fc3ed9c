import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createElement, type ReactNode } from 'react';
import { apiClient } from '../app/api/client.ts';
import { ApiContext } from '../app/api/context.ts';

type Answer = { status: number; body: unknown; type?: string };
type Seen = { method: string; path: string; headers: Headers; body: string };

/** A broker stand-in answering by "METHOD /path", recording what the hooks sent. */
export function fakeBroker(answers: Record<string, Answer | (() => Answer)>) {
  const seen: Seen[] = [];
  const fetcher = async (input: Request) => {
    const url = new URL(input.url);
    const key = `${input.method} ${url.pathname}`;
    seen.push({
      method: input.method,
      path: url.pathname + url.search,
      headers: input.headers,
      body: await input.text(),
    });
    const entry = answers[key];
    const answer = typeof entry === 'function' ? entry() : entry;
    if (!answer) return new Response('{}', { status: 599 });
    return new Response(JSON.stringify(answer.body), {
      status: answer.status,
      headers: { 'content-type': answer.type ?? 'application/json' },
    });
  };
  const queries = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const wrapper = ({ children }: { children: ReactNode }) =>
    createElement(
      ApiContext,
      { value: apiClient('http://broker.test', fetcher as typeof fetch) },
      createElement(QueryClientProvider, { client: queries }, children),
    );
  return { seen, wrapper };
}
