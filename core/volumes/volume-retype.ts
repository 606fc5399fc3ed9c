import {
  logicalVolumeTypes,
  offersVolumeType,
  STANDARD_VOLUME_TYPE,
  volumeTypesOf,
} from '../catalogue/volume-types.ts';
import { BrokerError, fieldError } from '../errors.ts';
import type { Target, TargetCatalogue } from '../model/target.ts';
import type { Volume } from '../model/volume.ts';
import type { ResourceOperations } from '../operations/resource-operations.ts';
import type { FlowPolicy } from '../ports/flow-policy.ts';
import type { RequestContext } from '../vms/vm-service.ts';

export interface RetypeRequest {
  /** A logical volume type of the catalogue. */
  type: string;
  /** The target the caller expects the volume on; any other than its own is refused (below). */
  targetId?: string;
}

/** An unknown logical volume type is a 400 naming the valid ones. */
export function checkVolumeType(catalogue: TargetCatalogue, type: string): void {
  const known = Object.keys(logicalVolumeTypes(catalogue)).sort();
  if (!known.includes(type)) throw fieldError('body.type', `unknown volume type; one of ${known.join(', ')}`);
}

/**
 * Starts changing a volume's type. A retype never leaves the volume's target: the cloud changes the type
 * in place (Cinder os-retype, EC2 ModifyVolume), so nothing of the volume's data goes anywhere. A request
 * naming another target would move the data there; policy is asked first, as for a copy of the volume to
 * that target (a phi volume never reaches a public site: 403 naming the policies), and even where policy
 * permits it the broker refuses it (409: retypes stay within one target). A type the volume's target does
 * not offer is a 422 naming the ones it does. Nothing changes unless all of these allow it.
 */
export async function requestRetype(
  deps: { catalogue: TargetCatalogue; flows: FlowPolicy },
  claims: ResourceOperations<Volume>,
  ctx: RequestContext,
  volume: Volume,
  request: RetypeRequest,
) {
  checkVolumeType(deps.catalogue, request.type);
  const target = volume.placement && deps.catalogue.targets.find((t) => t.id === volume.placement!.targetId);
  if (request.targetId !== undefined && request.targetId !== target?.id)
    refuseAnotherTarget(deps, ctx, volume, target, request.targetId);
  const spec = (found: Volume) => ({
    kind: 'volume.retype',
    firstStep: 'retype',
    input: { type: request.type, fromType: found.type ?? STANDARD_VOLUME_TYPE },
  });
  const keyed = await claims.resumeKeyed(ctx, volume, spec);
  if (keyed.kind === 'started') return keyed;
  if (!['available', 'in-use'].includes(volume.status) || !target || volume.cloudId === undefined)
    throw new BrokerError('volume.invalidState', `cannot retype a volume that is ${volume.status}`, {
      details: { status: volume.status },
    });
  if (!offersVolumeType(target, request.type))
    throw new BrokerError(
      'retype.unsupported',
      `target ${target.id} offers no ${request.type} volumes; a retype stays on the volume's target`,
      { details: { targetId: target.id, offered: Object.keys(volumeTypesOf(target)).sort() } },
    );
  if (request.type === (volume.type ?? STANDARD_VOLUME_TYPE))
    throw fieldError('body.type', `the volume is already ${request.type}`);
  return claims.start(ctx, volume, keyed, spec(volume), { task: 'retyping' });
}

function refuseAnotherTarget(
  deps: { catalogue: TargetCatalogue; flows: FlowPolicy },
  ctx: RequestContext,
  volume: Volume,
  from: Target | undefined,
  toId: string,
): never {
  const to = deps.catalogue.targets.find((t) => t.id === toId);
  if (!to) throw fieldError('body.targetId', 'no such target');
  if (!from)
    throw new BrokerError('volume.invalidState', `cannot retype a volume that is ${volume.status}`, {
      details: { status: volume.status },
    });
  const verdict = deps.flows.copy({
    principal: ctx.principal,
    artefact: { kind: 'volume', classification: volume.classification },
    from,
    to,
  });
  if (!verdict.permitted)
    throw new BrokerError('retype.denied', `moving a ${volume.classification} volume to ${to.id} is denied`, {
      details: { policies: verdict.policies, reasons: verdict.reasons },
    });
  throw new BrokerError(
    'volume.targetMismatch',
    `volume is on ${from.id}; a retype stays on the volume's target, it never moves the volume to ${to.id}`,
    { details: { targetId: from.id, requestedTargetId: to.id } },
  );
}
