import type { Classification } from '../classification.ts';
import { BrokerError, fieldError } from '../errors.ts';
import { type Bucket, PRESIGN_MAX_SECONDS, PRESIGN_MAX_SECONDS_PHI } from '../model/bucket.ts';
import type { Operation } from '../model/operation.ts';
import type { PlacementDecision } from '../model/placement.ts';
import type { Principal } from '../model/principal.ts';
import type { TargetCatalogue } from '../model/target.ts';
import { type Created, type CreateIds, createOnce, placed } from '../operations/create-once.ts';
import { operationFor } from '../operations/new-operation.ts';
import { startOnClaimed } from '../operations/resource-operations.ts';
import { ownedOrNotFound } from '../owned.ts';
import { noTargetError } from '../placement/no-target-error.ts';
import type { BucketFilter, BucketRepository } from '../ports/bucket-repository.ts';
import type { PresignedRequest } from '../ports/cloud/object-storage.ts';
import type { ProviderRegistry } from '../ports/cloud/provider.ts';
import type { KeyBindings } from '../ports/idempotency.ts';
import type { PlacementEngine } from '../ports/placement-engine.ts';
import type { OperationQueue } from '../ports/queue.ts';
import type { QuotaLedger } from '../ports/quota-ledger.ts';
import type { OperationRepository, Page, PageRequest } from '../ports/repositories.ts';
import { admitCreate } from '../quotas/admission.ts';
import { type RequestContext, withoutActiveOperation } from '../vms/vm-service.ts';

export interface CreateBucketInput {
  name: string;
  classification: Classification;
  region?: string;
  tags?: Record<string, string>;
}

export interface PresignInput {
  key: string;
  method: 'PUT' | 'GET';
  expiresInSeconds: number;
}

export interface BucketServiceDeps {
  buckets: BucketRepository;
  operations: OperationRepository;
  queue: OperationQueue;
  catalogue: TargetCatalogue;
  placement: PlacementEngine;
  providers: ProviderRegistry;
  clock: { now(): Date };
  /** A keyed digest of an object key (HMAC under a server secret) — what the audit keeps of a key. */
  objectKeyDigest: (key: string) => Promise<string>;
  bindings: KeyBindings;
  /** Per-tenant, per-site quotas (docs/quotas.md); none: no quota is enforced. */
  quotas?: QuotaLedger;
}

/** Buckets placed by policy; bytes move only through links the broker signs and never stores (I2). */
export class BucketService {
  readonly #d: BucketServiceDeps;

  constructor(deps: BucketServiceDeps) {
    this.#d = deps;
  }

  /** At most one bucket per Idempotency-Key, ever: a re-send after a crash gets the same bucket (I4). */
  async create(
    ctx: RequestContext,
    input: CreateBucketInput,
  ): Promise<{ bucket: Bucket; operation: Operation; decision: PlacementDecision }> {
    const created = placed(
      await createOnce(this.#d, {
        tenant: ctx.principal.tenant,
        ...(ctx.idempotency === undefined ? {} : { idempotency: ctx.idempotency }),
        prefix: 'bkt',
        prepare: (ids, recorded) => this.#prepareCreate(ctx, input, ids, recorded),
        resources: this.#d.buckets,
        failed: (bucket): Bucket => ({ ...withoutActiveOperation(bucket), status: 'error' }),
        admit: (prepared) => admitCreate(this.#d.quotas, ctx.principal.tenant, prepared, { buckets: 1 }),
      }),
    );
    return { bucket: created.resource, operation: created.operation, decision: created.decision };
  }

  async #prepareCreate(
    ctx: RequestContext,
    input: CreateBucketInput,
    ids: CreateIds,
    recorded: PlacementDecision | undefined,
  ): Promise<Created<Bucket>> {
    const decision =
      recorded ??
      (await this.#d.placement.decide({
        principal: ctx.principal,
        kind: 'bucket',
        classification: input.classification,
        ...(input.region === undefined ? {} : { region: input.region }),
        ...(input.tags === undefined ? {} : { tags: input.tags }),
      }));
    if (!decision.chosen)
      throw noTargetError(decision, this.#d.catalogue, 'bucket', input.classification, input.region);
    const id = ids.resourceId;
    const operation = this.#operation(ctx, 'bucket.create', id, 'provision', {});
    operation.id = ids.operationId;
    operation.placement = decision;
    const at = this.#d.clock.now().toISOString();
    const bucket: Bucket = {
      id,
      tenant: ctx.principal.tenant,
      name: input.name,
      classification: input.classification,
      ...(input.region === undefined ? {} : { region: input.region }),
      tags: input.tags ?? {},
      status: 'pending',
      placement: decision.chosen,
      cloudName: `hcb-${id}`,
      operationId: operation.id,
      activeOperationId: operation.id,
      createdAt: at,
      updatedAt: at,
    };
    return { resource: bucket, operation, decision };
  }

  async get(principal: Principal, id: string): Promise<Bucket> {
    return ownedOrNotFound('bucket', id, this.#d.buckets.get(principal.tenant, id));
  }

  list(principal: Principal, filter: BucketFilter, page: PageRequest): Promise<Page<Bucket>> {
    return this.#d.buckets.list(principal.tenant, filter, page);
  }

  /** Refuses a bucket that holds objects unless `force` (then every object and version goes too). */
  async delete(ctx: RequestContext, id: string, force: boolean) {
    const bucket = await this.get(ctx.principal, id);
    if (!['active', 'error'].includes(bucket.status))
      throw new BrokerError('bucket.invalidState', `bucket ${id} is ${bucket.status}`, {
        details: { status: bucket.status },
      });
    if (!force && bucket.status === 'active') {
      const cloud = await this.#provider(bucket).objectStorage.getBucket(bucket.cloudName);
      if ((cloud.objectCount ?? 0) > 0)
        throw new BrokerError(
          'bucket.notEmpty',
          `bucket ${id} holds ${cloud.objectCount} objects; delete them or pass force=true`,
          {
            details: { objectCount: cloud.objectCount },
          },
        );
    }
    const operation = this.#operation(ctx, 'bucket.delete', id, 'deleteBucket', { force: String(force) });
    return startOnClaimed(this.#d, this.#d.buckets, bucket, operation, 'deleting');
  }

  /**
   * Signs a link for one object and one method with a bounded lifetime. The key is used to sign and then
   * forgotten: only its keyed digest goes to the audit trail (a plain hash of a guessable key would
   * confirm a guess), and the response is never stored.
   */
  async presign(
    principal: Principal,
    id: string,
    input: PresignInput,
  ): Promise<{ bucket: Bucket; link: PresignedRequest; keyDigest: string }> {
    const bucket = await this.get(principal, id);
    const max = bucket.classification === 'phi' ? PRESIGN_MAX_SECONDS_PHI : PRESIGN_MAX_SECONDS;
    if (input.expiresInSeconds > max)
      throw fieldError(
        'body.expiresInSeconds',
        `at most ${max} seconds for a ${bucket.classification} bucket`,
      );
    if (bucket.status !== 'active')
      throw new BrokerError('bucket.invalidState', `bucket ${id} is ${bucket.status}`, {
        details: { status: bucket.status },
      });
    const link = await this.#provider(bucket).objectStorage.presign({
      bucket: bucket.cloudName,
      key: input.key,
      method: input.method,
      expiresInSeconds: input.expiresInSeconds,
    });
    return { bucket, link, keyDigest: await this.#d.objectKeyDigest(input.key) };
  }

  #provider(bucket: Bucket) {
    if (!bucket.placement) throw new BrokerError('bucket.unplaced', `bucket ${bucket.id} has no placement`);
    return this.#d.providers.get(bucket.placement.targetId);
  }

  #operation(
    ctx: RequestContext,
    kind: string,
    id: string,
    firstStep: string,
    input: Record<string, string>,
  ) {
    return operationFor(ctx, this.#d.clock.now(), {
      kind,
      resource: { type: 'bucket', id },
      firstStep,
      input,
    });
  }
}
