import { expect } from 'vitest';
import type { Harness } from './broker-harness.ts';

/** Helpers for quota tests through the HTTP app: fresh tenants with limits, creates, reads, reconcile. */
export function quotaKit(harness: () => Harness, operatorToken: () => string, prefix: string) {
  let seq = 0;
  return {
    /** A fresh tenant with these limits set by an operator, and an app token for it. */
    async tenantWith(limits: Record<string, Record<string, number>>) {
      const h = harness();
      const tenant = `${prefix}${++seq}`;
      const set = await h.call('PUT', `/v1/quotas/${tenant}`, { token: operatorToken(), body: limits });
      expect(set.status, set.text).toBe(200);
      return { tenant, app: await h.token(tenant, ['app']) };
    },
    createVm(token: string, classification = 'phi', size = 'small', name = 'q') {
      return harness().call('POST', '/v1/vms', {
        token,
        body: { name, size, image: 'ubuntu-24.04', classification },
      });
    },
    async quotasOf(token: string) {
      const reply = await harness().call('GET', '/v1/quotas', { token });
      expect(reply.status, reply.text).toBe(200);
      return reply.body;
    },
    async reconcile() {
      const reply = await harness().call('POST', '/v1/admin/reconcile', {
        token: operatorToken(),
        body: { orphanGraceMs: 0 },
      });
      expect(reply.status, reply.text).toBe(200);
      return reply.body;
    },
    async vmsOf(token: string) {
      return (await harness().call('GET', '/v1/vms?limit=100', { token })).body.items;
    },
  };
}
