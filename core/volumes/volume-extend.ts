import { BrokerError, fieldError } from '../errors.ts';
import type { Volume } from '../model/volume.ts';
import type { ResourceOperations } from '../operations/resource-operations.ts';
import type { QuotaLedger } from '../ports/quota-ledger.ts';
import { quotaExceeded } from '../quotas/quota-limits.ts';
import type { RequestContext } from '../vms/vm-service.ts';

/**
 * Starts growing a volume to `sizeGiB`, attached or not. The quota's room is checked here, so an extend
 * beyond it is a 403 that changes nothing; the operation then holds the new size under its claim on the
 * volume (core/operations/volume-extend.ts), where no concurrent change of the same volume can interleave.
 */
export async function requestExtend(
  quotas: QuotaLedger | undefined,
  claims: ResourceOperations<Volume>,
  ctx: RequestContext,
  volume: Volume,
  sizeGiB: number,
) {
  const spec = (found: Volume) => ({
    kind: 'volume.extend',
    firstStep: 'extend',
    input: { sizeGiB: String(sizeGiB), fromGiB: String(found.sizeGiB) },
  });
  const keyed = await claims.resumeKeyed(ctx, volume, spec);
  if (keyed.kind === 'started') return keyed;
  if (!['available', 'in-use'].includes(volume.status) || !volume.placement || volume.cloudId === undefined)
    throw new BrokerError('volume.invalidState', `cannot extend a volume that is ${volume.status}`, {
      details: { status: volume.status },
    });
  if (sizeGiB <= volume.sizeGiB)
    throw fieldError('body.sizeGiB', `larger than the volume's ${volume.sizeGiB} GiB (volumes only grow)`);
  if (quotas) {
    const site = volume.placement.site;
    const { limits, used, reserved } = (await quotas.view(volume.tenant))[site];
    const growth = sizeGiB - volume.sizeGiB;
    if (used.volumeGiB + reserved.volumeGiB + growth > limits.volumeGiB)
      throw quotaExceeded(site, 'volumeGiB', limits.volumeGiB, used.volumeGiB, reserved.volumeGiB, growth);
  }
  return claims.start(ctx, volume, keyed, spec(volume), { task: 'extending' });
}
