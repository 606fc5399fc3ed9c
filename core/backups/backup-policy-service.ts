import { BrokerError, fieldError } from '../errors.ts';
import { newId } from '../ids.ts';
import type { BackupPolicy } from '../model/backup-policy.ts';
import type { Principal } from '../model/principal.ts';
import { ownedOrNotFound } from '../owned.ts';
import type { BackupPolicyRepository, CronSchedule } from '../ports/backup-policies.ts';
import type { Page, PageRequest } from '../ports/repositories.ts';

/** What a tenant admin writes: the schedule, what it keeps and which volumes it takes. */
export interface BackupPolicyInput {
  name: string;
  schedule: string;
  retention: BackupPolicy['retention'];
  selector: BackupPolicy['selector'];
}

/** Backup policies of a tenant (`/v1/backup-policies`); the scheduler runs them (backup-scheduler.ts). */
export class BackupPolicyService {
  readonly #policies: BackupPolicyRepository;
  readonly #cron: CronSchedule;
  readonly #clock: { now(): Date };

  constructor(deps: { policies: BackupPolicyRepository; cron: CronSchedule; clock: { now(): Date } }) {
    this.#policies = deps.policies;
    this.#cron = deps.cron;
    this.#clock = deps.clock;
  }

  async create(principal: Principal, input: BackupPolicyInput): Promise<BackupPolicy> {
    await this.#check(input);
    const at = this.#clock.now().toISOString();
    const policy: BackupPolicy = {
      id: newId('bkp'),
      tenant: principal.tenant,
      ...input,
      createdAt: at,
      updatedAt: at,
      version: 0,
    };
    await this.#policies.create(policy);
    return policy;
  }

  get(principal: Principal, id: string): Promise<BackupPolicy> {
    return ownedOrNotFound('backupPolicy', id, this.#policies.get(principal.tenant, id));
  }

  list(principal: Principal, page: PageRequest): Promise<Page<BackupPolicy>> {
    return this.#policies.listForTenant(principal.tenant, page);
  }

  /** Replaces what the admin writes; the runs already claimed stay claimed. */
  async update(principal: Principal, id: string, input: BackupPolicyInput): Promise<BackupPolicy> {
    await this.#check(input);
    const current = await this.get(principal, id);
    const next = { ...current, ...input, updatedAt: this.#clock.now().toISOString() };
    if (!(await this.#policies.save(next)))
      throw new BrokerError('backupPolicy.conflict', `backup policy ${id} changed meanwhile; retry`);
    return { ...next, version: next.version + 1 };
  }

  /** Stops future runs; the snapshots already taken stay (they are deleted as any snapshot is). */
  async delete(principal: Principal, id: string): Promise<BackupPolicy> {
    await this.get(principal, id);
    const removed = await this.#policies.delete(principal.tenant, id);
    if (!removed) throw new BrokerError('backupPolicy.notFound', `no backup policy with id ${id}`);
    return removed;
  }

  async #check(input: BackupPolicyInput) {
    const problem = await this.#cron.problem(input.schedule);
    if (problem) throw fieldError('body.schedule', problem);
  }
}
