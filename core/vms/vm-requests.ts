import { sha256Hex } from '../audit/hash-chain.ts';
import { isAtLeast } from '../classification.ts';
import { BrokerError, fieldError } from '../errors.ts';
import { newId } from '../ids.ts';
import type { Image } from '../model/image.ts';
import type { Principal } from '../model/principal.ts';
import type { TargetCatalogue } from '../model/target.ts';
import type { PayloadRef, Vm } from '../model/vm.ts';
import type { ProviderRegistry } from '../ports/cloud/provider.ts';
import type { ImageRepository } from '../ports/image-repository.ts';
import type { PlacementEngine } from '../ports/placement-engine.ts';
import { vmDemand } from '../quotas/quota-limits.ts';
import type { CreateVmInput, VmActionInput } from './vm-service.ts';

/** What VM requests are checked against and turned into before an operation starts (vm-service.ts). */

/** Sizes and images must be the catalogue's logical names (400 naming the ones there are). */
export function checkCatalogueNames(
  catalogue: TargetCatalogue,
  size: string | undefined,
  image: string | undefined,
): void {
  if (size !== undefined && !(size in catalogue.sizes))
    throw fieldError('body.size', `unknown size; one of ${Object.keys(catalogue.sizes).join(', ')}`);
  if (image !== undefined && !(image in catalogue.images))
    throw fieldError('body.image', `unknown image; one of ${Object.keys(catalogue.images).join(', ')}`);
}

/** An action's operation input, checked: a resize names a size the VM's target offers, and not its own. */
export function actionInput(
  catalogue: TargetCatalogue,
  vm: Vm,
  action: VmActionInput,
  targetSizes: Record<string, string>,
): Record<string, string> {
  switch (action.type) {
    case 'resize': {
      if (action.size === undefined) throw fieldError('body.size', 'resize needs a size');
      checkCatalogueNames(catalogue, action.size, undefined);
      if (!(action.size in targetSizes))
        throw fieldError(
          'body.size',
          `size ${action.size} is not offered on target ${vm.placement?.targetId}`,
        );
      if (action.size === vm.size) throw fieldError('body.size', `VM is already ${vm.size}`);
      // What the VM held before, so a failed resize gives back exactly the difference.
      const fromDemand = JSON.stringify(vmDemand(catalogue, vm.size));
      return { size: action.size, fromSize: vm.size, fromDemand };
    }
    case 'snapshot':
      return { name: action.name ?? `${vm.name}-snapshot`, imageId: newId('img') };
    case 'reboot':
      return { mode: action.mode ?? 'soft' };
    case 'migrate':
      return { ...(action.host === undefined ? {} : { host: action.host }) };
    default:
      return {};
  }
}

/**
 * Moving a VM to another target is a placement: policy decides first (a phi VM never goes to a public
 * target: 403 naming the policies). A permitted move still cannot be a live migration between clouds,
 * so it is refused (422) with the way to do it: snapshot, copy the image, boot it there.
 */
export async function refuseCrossTargetMigration(
  deps: { catalogue: TargetCatalogue; placement: PlacementEngine },
  principal: Principal,
  vm: Vm,
  targetId: string,
): Promise<never> {
  const target = deps.catalogue.targets.find((t) => t.id === targetId);
  if (!target) throw fieldError('body.targetId', `no target ${targetId}`);
  const decision = await deps.placement.decide({
    principal,
    kind: 'vm',
    classification: vm.classification,
    size: vm.size,
    ...(vm.image.startsWith('img-') ? {} : { image: vm.image }),
    tags: vm.tags,
  });
  const verdict = decision.candidates.find((c) => c.targetId === targetId);
  if (!verdict?.permitted)
    throw new BrokerError('migrate.denied', `moving a ${vm.classification} VM to ${targetId} is denied`, {
      details: {
        policies: verdict?.policies ?? [],
        reasons: verdict?.reasons ?? ['the target cannot host this VM'],
      },
    });
  throw new BrokerError(
    'migrate.unsupported',
    `live migration stays within a target; to move to ${targetId}, snapshot the VM, copy the image there and boot it`,
    { details: { from: vm.placement?.targetId, to: targetId } },
  );
}

/**
 * A VM booted from one of the broker's images (`img-…`) carries at least the image's classification
 * (taint) and runs on the image's target.
 */
export async function brokerImage(
  images: ImageRepository,
  principal: Principal,
  input: CreateVmInput,
): Promise<Image | undefined> {
  if (!input.image.startsWith('img-')) return undefined;
  const image = await images.get(principal.tenant, input.image);
  if (!image) throw fieldError('body.image', `no image ${input.image}`);
  if (image.status !== 'available') throw fieldError('body.image', `image ${image.id} is ${image.status}`);
  if (!isAtLeast(input.classification, image.classification))
    throw fieldError(
      'body.classification',
      `a VM booted from a ${image.classification} image is at least ${image.classification}`,
    );
  return image;
}

/** User data kept by hash: a phi VM's stashed on its own (on-prem) target, never in the control plane (I2). */
export async function storeUserData(
  providers: ProviderRegistry,
  vm: Vm,
  userData: string,
): Promise<PayloadRef> {
  const sha256 = sha256Hex(userData);
  if (vm.classification !== 'phi') return { storedIn: 'control-plane', sha256, data: userData };
  const targetId = vm.placement!.targetId;
  const payloads = providers.get(targetId).payloads;
  if (!payloads)
    throw new BrokerError('vm.userDataUnsupported', `target ${targetId} cannot hold phi user data`);
  const key = `userdata/${vm.id}`;
  await payloads.put(key, new TextEncoder().encode(userData));
  return { storedIn: 'target', sha256, targetId, key };
}
