import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROKER_PROFILE, startBrokerUnderTest } from './broker-under-test.ts';
import type { BrokerUnderTest, Reply } from './spawned-broker.ts';

/**
 * Where phi may go, over HTTP against the shipped broker (the `e2e` project: `npm start` on the sandbox;
 * the `serverless` project: the Lambda bundles, phi on the real OpenStack, public on the emulator's EC2).
 * Denials have a non-phi control that is allowed (a cell fails if the policies stop telling them apart),
 * and denied cells leave nothing behind. The full classification × site matrix, with two targets per
 * site, runs in-process against each connector (test/support/flow-matrix.ts).
 */
describe(`${BROKER_PROFILE.title}: the phi matrix`, () => {
  let b: BrokerUnderTest;
  let app: string;
  let stopStandIns: () => void = () => undefined;
  let publicTarget: { id: string; region: string };
  /** A phi VM (placed without a wish), a public one in a public region, and a phi volume beside the first. */
  const vm = {} as Record<'phi' | 'public', { id: string; site: string; targetId: string }>;
  let phiVolume: string;

  const settled = async (reply: Reply) => {
    expect(reply.status, reply.text).toBe(202);
    const op = await b.settle(app, reply.body.operation.id, BROKER_PROFILE.settleMs);
    expect(op.status, JSON.stringify(op.error ?? op.steps)).toBe('succeeded');
    return op;
  };
  const get = async (path: string) => (await b.call(app, 'GET', path)).body;
  const count = async (kind: string) => (await get(`/v1/${kind}?limit=100`)).items.length;
  const denied = (reply: Reply, code: string, policy?: string) => {
    expect(reply.status, reply.text).toBe(403);
    expect(reply.body.code).toBe(code);
    if (policy) expect(reply.body.details.policies).toContain(policy);
    else expect(reply.body.details.policies.length).toBeGreaterThan(0);
  };

  beforeAll(async () => {
    b = await startBrokerUnderTest();
    stopStandIns = BROKER_PROFILE.standIns();
    app = await b.token('e2e-phi', 'app');
    const targets: { id: string; site: string; region: string }[] = (await get('/v1/targets')).items;
    publicTarget = targets.find((t) => t.site === 'public')!;
    const create = (classification: string, region?: string) =>
      b.call(app, 'POST', '/v1/vms', {
        name: `phi-matrix-${classification}`,
        size: 'small',
        image: 'ubuntu-24.04',
        classification,
        ...(region ? { region } : {}),
      });
    const [phi, pub] = await Promise.all([create('phi'), create('public', publicTarget.region)]);
    // The volume beside the phi VM: its placement is in the 202, so all three build at once.
    const volume = await b.call(app, 'POST', '/v1/volumes', {
      name: 'phi-matrix-disk',
      sizeGiB: 1,
      classification: 'phi',
      region: phi.body.vm?.placement.region,
    });
    await Promise.all([settled(phi), settled(pub), settled(volume)]);
    phiVolume = volume.body.volume.id;
    for (const [c, reply] of [
      ['phi', phi],
      ['public', pub],
    ] as const) {
      const placed = (await get(`/v1/vms/${reply.body.vm.id}`)).placement;
      vm[c] = { id: reply.body.vm.id, site: placed.site, targetId: placed.targetId };
    }
  }, BROKER_PROFILE.startupMs + BROKER_PROFILE.settleMs);

  afterAll(async () => {
    stopStandIns();
    // Leave the real clouds as found: images first, then volumes and VMs.
    for (const kind of ['images', 'volumes', 'vms']) {
      const items: { id: string; status: string }[] = b
        ? ((await get(`/v1/${kind}?limit=100`))?.items ?? [])
        : [];
      await Promise.all(
        items
          .filter((i) => i.status !== 'deleted')
          .map(async ({ id }) => {
            const reply = await b.call(app, 'DELETE', `/v1/${kind}/${id}`);
            if (reply.status === 202)
              await b.settle(app, reply.body.operation.id, BROKER_PROFILE.settleMs).catch(() => undefined);
          }),
      );
    }
    await b?.stop();
  }, 4 * BROKER_PROFILE.settleMs);

  it('placement: phi lands on-prem; a phi VM asking for a public region is refused and nothing is made', async () => {
    expect(vm.phi.site).toBe('onprem');
    expect(vm.public).toMatchObject({ site: 'public', targetId: publicTarget.id });
    const before = await count('vms');
    const refused = await b.call(app, 'POST', '/v1/vms', {
      name: 'phi-matrix-refused',
      size: 'small',
      image: 'ubuntu-24.04',
      classification: 'phi',
      region: publicTarget.region,
    });
    denied(refused, 'placement.noPermittedTarget');
    expect(await count('vms')).toBe(before);
  });

  it.each([
    ['the phi VM (on-prem)', 'allowed', 'phi'],
    ['the public VM (public cloud)', 'denied', 'public'],
  ] as const)('attach: a phi volume to %s is %s', async (_, outcome, onto) => {
    const reply = await b.call(app, 'POST', `/v1/volumes/${phiVolume}/attach`, { vmId: vm[onto].id });
    if (outcome === 'denied') {
      denied(reply, 'attach.denied');
      expect((await get(`/v1/volumes/${phiVolume}`)).status).toBe('available');
      return;
    }
    await settled(reply);
    expect((await get(`/v1/volumes/${phiVolume}`)).attachment.vmId).toBe(vm.phi.id);
    await settled(await b.call(app, 'POST', `/v1/volumes/${phiVolume}/detach`));
    expect((await get(`/v1/volumes/${phiVolume}`)).status).toBe('available');
  });

  it('snapshot: a phi image stays on-prem; its copy to a public target is refused and nothing is made', async () => {
    const op = await settled(
      await b.call(app, 'POST', `/v1/vms/${vm.phi.id}/actions`, { type: 'snapshot', name: 'phi-matrix-img' }),
    );
    const image = await get(`/v1/images/${op.result.imageId}`);
    expect(image).toMatchObject({
      status: 'available',
      classification: 'phi',
      placement: { targetId: vm.phi.targetId, site: 'onprem' },
    });
    const before = await count('images');
    denied(
      await b.call(app, 'POST', `/v1/images/${image.id}/copy`, { targetId: publicTarget.id }),
      'copy.denied',
    );
    expect(await count('images')).toBe(before);
  });

  // Each link shape against the phi VM and, as the control, against the public one.
  const shapes = {
    'to a public-cloud VM': (from: string) => ({
      from: { vmId: from },
      to: { vmId: vm.public.id },
      port: 8443,
    }),
    'inbound from the internet': (to: string) => ({
      from: { cidr: '0.0.0.0/0' },
      to: { vmId: to },
      port: 443,
    }),
    'outbound to the internet': (from: string) => ({
      from: { vmId: from },
      to: { cidr: '2001:db8::/32' },
      port: 53,
    }),
    'inbound from a private range': (to: string) => ({
      from: { cidr: '10.30.0.0/16' },
      to: { vmId: to },
      port: 8080,
    }),
  } as const;
  it.each([
    ['to a public-cloud VM', 'phi', 'link.denied'],
    ['inbound from the internet', 'phi', 'flow.phi-no-internet-inbound'],
    ['inbound from the internet', 'public', 'allowed'],
    ['outbound to the internet', 'phi', 'flow.phi-no-internet'],
    ['outbound to the internet', 'public', 'allowed'],
    ['inbound from a private range', 'phi', 'allowed'],
  ] as const)('link %s of the %s VM: %s', async (shape, c, answer) => {
    const before = await count('links');
    const reply = await b.call(app, 'POST', '/v1/links', { ...shapes[shape](vm[c].id), protocol: 'tcp' });
    if (answer !== 'allowed') {
      denied(reply, 'link.denied', answer === 'link.denied' ? undefined : answer);
      expect(await count('links')).toBe(before);
      return;
    }
    expect(reply.status, reply.text).toBe(201);
    expect(reply.body.rules.length).toBeGreaterThan(0);
    const removed = await b.call(app, 'DELETE', `/v1/links/${reply.body.id}`);
    expect(removed.body).toMatchObject({ status: 'deleted', rules: [] });
  });

  it.each([
    ['phi', 'denied'],
    ['public', 'allowed'],
  ] as const)('public address for the %s VM: %s', async (c, outcome) => {
    const publicIps = async () =>
      ((await get(`/v1/vms/${vm[c].id}`)).addresses as { type: string }[]).filter((a) => a.type === 'public');
    const reply = await b.call(app, 'POST', `/v1/vms/${vm[c].id}/addresses`);
    if (outcome === 'denied') {
      denied(reply, 'address.denied', 'flow.no-public-address-for-phi-pii');
      expect(await publicIps()).toEqual([]);
      return;
    }
    expect(reply.status, reply.text).toBe(201);
    expect(await publicIps()).toHaveLength(1);
    expect((await b.call(app, 'DELETE', `/v1/vms/${vm[c].id}/addresses`)).status).toBe(200);
    expect(await publicIps()).toEqual([]);
  });

  it('bucket: a phi bucket lands on-prem, its presigned PUT and GET work, and it deletes', async () => {
    const created = await b.call(app, 'POST', '/v1/buckets', {
      name: 'phi-matrix-bucket',
      classification: 'phi',
    });
    await settled(created);
    const id = created.body.bucket.id;
    expect((await get(`/v1/buckets/${id}`)).placement.site).toBe('onprem');
    const put = await b.call(app, 'POST', `/v1/buckets/${id}/presign`, { key: 'k/1.bin', method: 'PUT' });
    expect(put.status, put.text).toBe(200);
    expect(
      (await fetch(put.body.url, { method: 'PUT', body: 'phi bytes', headers: put.body.headers })).ok,
    ).toBe(true);
    const read = await b.call(app, 'POST', `/v1/buckets/${id}/presign`, { key: 'k/1.bin', method: 'GET' });
    expect(await (await fetch(read.body.url, { headers: read.body.headers })).text()).toBe('phi bytes');
    await settled(await b.call(app, 'DELETE', `/v1/buckets/${id}?force=true`));
  });
});
