import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerClient } from '../e2e/spawned-broker.ts';
import { openstackProvider } from '../openstack/openstack-target.ts';
import { waitFor } from '../support/wait-for.ts';
import {
  type ServerlessBroker,
  startServerlessBroker,
  TEST_VISIBILITY_SECONDS,
} from './serverless-broker.ts';

/**
 * What only the deployed shape can show, driven over HTTP against the synthesised bundles: where VMs land
 * on the real clouds, a worker process killed mid-operation, a poison message reaching the dead-letter
 * queue, and a region lost mid-flow while the other finishes its work.
 */
describe('deployed shape (local serverless runtime)', () => {
  let b: ServerlessBroker;
  let app: string;
  let auditor: string;
  const run = `sl${Date.now().toString(36)}`;
  const vm = (name: string, classification: string) => ({
    name: `${run}-${name}`,
    size: 'small',
    image: 'ubuntu-24.04',
    classification,
  });
  const novaServersNamed = async (name: string) => {
    const servers = [];
    for await (const s of openstackProvider().nova.listServers({ name: `^${name}$` })) servers.push(s);
    return servers;
  };

  beforeAll(async () => {
    b = await startServerlessBroker();
    app = await b.token('sl-tenant', 'app');
    auditor = await b.token('sl-tenant', 'auditor');
  }, 300_000);
  afterAll(async () => {
    // Leave the shared clouds as found: delete this run's VMs through the surviving region, then the rest.
    const west = b && brokerClient(b.deployment.regions[1]!.base);
    if (west) {
      const listed = await west.call(app, 'GET', `/v1/vms?name=${run}&limit=100`);
      const deletes = await Promise.all(
        (listed.body?.items ?? []).map((v: { id: string }) => west.call(app, 'DELETE', `/v1/vms/${v.id}`)),
      );
      await Promise.all(
        deletes
          .filter((d) => d.status === 202)
          .map((d) => west.settle(app, d.body.operation.id, 90_000).catch(() => undefined)),
      );
    }
    await b?.stop();
  });

  it('two regions answer with one table; a phi VM boots on OpenStack, a public one on EC2', async () => {
    expect(b.deployment.regions.map((r) => r.region)).toEqual(['us-east-1', 'us-west-2']);
    const phi = await b.call(app, 'POST', '/v1/vms', vm('phi', 'phi'));
    const pub = await b.call(app, 'POST', '/v1/vms', vm('pub', 'public'));
    expect([phi.status, pub.status], phi.text + pub.text).toEqual([202, 202]);
    // The client fails over to the other region: it sees its resources and their operations finish.
    const west = brokerClient(b.deployment.regions[1]!.base);
    const [phiOp, pubOp] = await Promise.all([
      west.settle(app, phi.body.operation.id, 90_000),
      west.settle(app, pub.body.operation.id, 90_000),
    ]);
    expect([phiOp.status, pubOp.status]).toEqual(['succeeded', 'succeeded']);
    const got = async (id: string) => (await west.call(app, 'GET', `/v1/vms/${id}`)).body;
    expect(await got(phi.body.vm.id)).toMatchObject({ status: 'active', placement: { cloud: 'openstack' } });
    expect(await got(pub.body.vm.id)).toMatchObject({ status: 'active', placement: { cloud: 'aws' } });
    const servers = await novaServersNamed(`${run}-phi`);
    expect(servers.map((s) => s.status)).toEqual(['ACTIVE']);
  });

  it('a worker process killed mid-operation: the message comes back and the operation finishes once', async () => {
    const east = b.deployment.regions[0]!;
    const created = await b.call(app, 'POST', '/v1/vms', vm('killed', 'phi'));
    expect(created.status, created.text).toBe(202);
    // The provision step calls Nova for seconds: kill the worker environment while it runs.
    const [pid] = await waitFor(
      async () => east.pools.worker.busyPids(),
      (pids) => pids.length > 0,
      { timeoutMs: 30_000, intervalMs: 20, what: 'a busy worker' },
    );
    process.kill(pid!, 'SIGKILL');
    const op = await b.settle(app, created.body.operation.id, 150_000);
    expect(op.status, JSON.stringify(op.steps)).toBe('succeeded');
    expect(east.pools.worker.failures.map((f) => f.errorType)).toContain('Runtime.ExitError');
    // Once: one server in the cloud for this VM, whatever ran twice.
    expect((await novaServersNamed(`${run}-killed`)).length).toBe(1);
  });

  it('a poison message is retried up to maxReceiveCount, then lands in the DLQ, and the alarm metric says so', async () => {
    const east = b.deployment.regions[0]!;
    const sqs = new SQSClient({ region: east.region });
    const depth = async () =>
      Number(
        (
          await sqs.send(
            new GetQueueAttributesCommand({
              QueueUrl: east.queue.deadLetterUrl,
              AttributeNames: ['ApproximateNumberOfMessages'],
            }),
          )
        ).Attributes?.ApproximateNumberOfMessages,
      );
    const before = await depth();
    const failuresBefore = east.pools.worker.failures.length;
    await sqs.send(new SendMessageCommand({ QueueUrl: east.queue.url, MessageBody: 'not an operation' }));
    // The alarm watches ApproximateNumberOfMessagesVisible, which GetQueueAttributes calls ApproximateNumberOfMessages.
    // maxReceiveCount (5) receives, each after the visibility timeout: then SQS moves it.
    await waitFor(depth, (d) => d > before, {
      timeoutMs: (5 + 2) * TEST_VISIBILITY_SECONDS * 1000,
      intervalMs: 1000,
      what: 'the dead-letter queue',
    });
    expect(await depth()).toBe(before + 1);
    // The worker reported it as a batch item failure (no invocation failed for it).
    expect(east.pools.worker.failures.length).toBe(failuresBefore);
    sqs.destroy();
  });

  it('a region killed mid-flow: the other finishes its work, no operation runs twice, each audit chain verifies', async () => {
    const [east, west] = b.deployment.regions as [
      (typeof b.deployment.regions)[0],
      (typeof b.deployment.regions)[0],
    ];
    const created = await Promise.all(
      ['a', 'b', 'c'].map((n) =>
        b.call(app, 'POST', '/v1/vms', vm(`failover-${n}`, n === 'a' ? 'public' : 'phi')),
      ),
    );
    for (const c of created) expect(c.status, c.text).toBe(202);
    const eastVerified = await b.call(auditor, 'GET', '/v1/audit/verify');
    expect(eastVerified.body).toMatchObject({ chain: 'us-east-1', ok: true });
    await east!.stop();
    // Route 53 sends the client to the surviving region; its reconciler resumes what the dead one left.
    const westClient = brokerClient(west!.base);
    const ops = await Promise.all(created.map((c) => westClient.settle(app, c.body.operation.id, 150_000)));
    for (const op of ops) expect(op.status, JSON.stringify(op.steps)).toBe('succeeded');
    for (const n of ['b', 'c']) expect((await novaServersNamed(`${run}-failover-${n}`)).length).toBe(1);
    const verified = await westClient.call(auditor, 'GET', '/v1/audit/verify');
    expect(verified.body).toMatchObject({ chain: 'us-west-2', ok: true });
  });
});
