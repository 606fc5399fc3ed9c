import { BrokerError } from '../errors.ts';
import { hostCidr } from '../links/cidr.ts';
import { type Link, linkVmId, type ProgrammedRule } from '../model/link.ts';
import type { Vm } from '../model/vm.ts';
import type { SecurityRuleInput } from '../ports/cloud/network.ts';
import type { OperationDefinition, StepContext, StepOutcome } from './step.ts';

/**
 * link.create programs, per end, a security group of the link's own holding exactly its rule, attached to
 * the VM's server; link.delete removes them. Intent is recorded before each cloud call, so an unwind
 * (after a failure or a crash) always knows what may exist.
 */
export const linkLifecycle: OperationDefinition = {
  kinds: ['link.create', 'link.delete'],
  steps: { program, unprogram },
  async onFailed(ctx, error) {
    const link = await ctx.deps.links.get(ctx.op.tenant, ctx.op.resource.id);
    if (!link) return;
    if (ctx.op.kind === 'link.create') {
      await unwind(ctx, link).catch(() => undefined);
      const left = await ctx.deps.links.get(link.tenant, link.id);
      const clean = left?.programmed.length === 0;
      await ctx.deps.links.update(link.tenant, link.id, {
        status: clean ? 'deleted' : 'error',
        fault: error.message,
      });
    } else await ctx.deps.links.update(link.tenant, link.id, { status: 'error', fault: error.message });
  },
};

async function load(ctx: StepContext): Promise<Link> {
  const link = await ctx.deps.links.get(ctx.op.tenant, ctx.op.resource.id);
  if (!link) throw new BrokerError('link.missing', `link ${ctx.op.resource.id} has no record`);
  return link;
}

async function vm(ctx: StepContext, id: string): Promise<Vm> {
  const found = await ctx.deps.vms.get(ctx.op.tenant, id);
  if (!found?.cloudId || !found.placement || found.addresses.length === 0)
    throw new BrokerError('vm.invalidState', `VM ${id} has no running server to link`);
  return found;
}

interface End {
  end: 'from' | 'to';
  vm: Vm;
  rule: SecurityRuleInput;
}

async function ends(ctx: StepContext, link: Link): Promise<End[]> {
  const protocol = link.protocol;
  const port =
    protocol === 'icmp'
      ? {}
      : { port: link.port, ...(link.portTo === undefined ? {} : { portTo: link.portTo }) };
  // Inbound from a network: one rule, on the receiving VM.
  if ('cidr' in link.from) {
    const to = await vm(ctx, linkVmId(link));
    return [
      { end: 'to', vm: to, rule: { direction: 'ingress', protocol, ...port, remoteCidr: link.from.cidr } },
    ];
  }
  const from = await vm(ctx, link.from.vmId);
  if ('cidr' in link.to)
    return [
      { end: 'from', vm: from, rule: { direction: 'egress', protocol, ...port, remoteCidr: link.to.cidr } },
    ];
  const to = await vm(ctx, link.to.vmId);
  return [
    {
      end: 'from',
      vm: from,
      rule: { direction: 'egress', protocol, ...port, remoteCidr: hostCidr(to.addresses[0]!) },
    },
    {
      end: 'to',
      vm: to,
      rule: { direction: 'ingress', protocol, ...port, remoteCidr: hostCidr(from.addresses[0]!) },
    },
  ];
}

const groupName = (link: Link, end: string) => ({
  brokerId: `${link.id}-${end}`,
  name: `hcb-${link.id}-${end}`,
  description: `broker link ${link.id} (${end} end)`,
});

async function program(ctx: StepContext): Promise<StepOutcome> {
  let link = await load(ctx);
  for (const { end, vm: server, rule } of await ends(ctx, link)) {
    const network = ctx.deps.providers.get(server.placement!.targetId).network;
    const record = (patch: Partial<ProgrammedRule>) => {
      const others = link.programmed.filter((r) => r.end !== end);
      const mine = link.programmed.find((r) => r.end === end) ?? {
        end,
        targetId: server.placement!.targetId,
        serverId: server.cloudId!,
        groupId: '',
        attached: false,
      };
      return ctx.deps.links.update(link.tenant, link.id, { programmed: [...others, { ...mine, ...patch }] });
    };
    link = await record({});
    const group = await network.ensureSecurityGroup(groupName(link, end));
    link = await record({ groupId: group.id });
    const added = await network.addRule(group.id, rule);
    link = await record({ ruleId: added.id });
    await network.attachSecurityGroup(server.cloudId!, group.id);
    link = await record({ attached: true });
  }
  await ctx.deps.links.update(link.tenant, link.id, { status: 'active', fault: null });
  return { type: 'done', result: { rules: String(link.programmed.length) } };
}

async function unprogram(ctx: StepContext): Promise<StepOutcome> {
  const link = await unwind(ctx, await load(ctx));
  await ctx.deps.links.update(link.tenant, link.id, { status: 'deleted', fault: null });
  return { type: 'done' };
}

/** Undoes every recorded end, newest first, forgetting each once it is gone. */
async function unwind(ctx: StepContext, start: Link): Promise<Link> {
  let link = start;
  for (const programmed of [...link.programmed].reverse()) {
    const network = ctx.deps.providers.get(programmed.targetId).network;
    // A group created but not yet recorded is found again by its broker id.
    const groupId =
      programmed.groupId || (await network.ensureSecurityGroup(groupName(link, programmed.end))).id;
    if (programmed.attached) await network.detachSecurityGroup(programmed.serverId, groupId);
    if (programmed.ruleId) await network.removeRule(groupId, programmed.ruleId);
    await network.deleteSecurityGroup(groupId);
    link = await ctx.deps.links.update(link.tenant, link.id, {
      programmed: link.programmed.filter((r) => r.end !== programmed.end),
    });
  }
  return link;
}
