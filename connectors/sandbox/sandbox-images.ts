import { randomUUID } from 'node:crypto';
import { BrokerError } from '../../core/errors.ts';
import type { Target } from '../../core/model/target.ts';
import type { CloudImage, CopyImageInput, ImageService, ImageState } from '../../core/ports/cloud/images.ts';
import type { PayloadStore } from '../../core/ports/cloud/object-storage.ts';
import type { CloudProvider } from '../../core/ports/cloud/provider.ts';
import type { SandboxFaults } from './sandbox-faults.ts';
import { sandboxSettingsOf } from './sandbox-settings.ts';
import { advance, type SandboxImage, type SandboxState } from './sandbox-state.ts';

const IMAGE_STATES = new Set(['pending', 'available', 'deleting', 'deleted', 'error']);
const toImageState = (s: string): ImageState => (IMAGE_STATES.has(s) ? (s as ImageState) : 'unknown');

/** Simulated images: the catalogue's base images (always available) plus snapshots taken of servers. */
export class SandboxImages implements ImageService {
  readonly #target: Target;
  readonly #state: SandboxState;
  readonly #faults: SandboxFaults;
  readonly #now: () => number;

  constructor(target: Target, state: SandboxState, faults: SandboxFaults, now: () => number) {
    this.#target = target;
    this.#state = state;
    this.#faults = faults;
    this.#now = now;
  }

  async getImage(imageId: string): Promise<CloudImage> {
    await this.#faults.before('getImage');
    const base = Object.entries(this.#target.images).find(([, ref]) => ref === imageId);
    if (base) return { id: imageId, name: base[0], state: 'available', rawState: 'available' };
    const image = this.#state.data.images[imageId];
    if (!image) throw new BrokerError('sandbox.notFound', `no image ${imageId}`);
    advance(image, this.#now());
    if (image.state === 'deleted') throw new BrokerError('sandbox.notFound', `image ${imageId} is deleted`);
    return view(image);
  }

  async *listImages(): AsyncIterable<CloudImage> {
    for (const [name, id] of Object.entries(this.#target.images))
      yield { id, name, state: 'available', rawState: 'available' };
    for (const image of Object.values(this.#state.data.images)) {
      advance(image, this.#now());
      if (image.state !== 'deleted') yield view(image);
    }
  }

  async findImageByBrokerId(brokerId: string): Promise<CloudImage | undefined> {
    const image = Object.values(this.#state.data.images).find((i) => i.brokerId === brokerId);
    if (!image) return undefined;
    advance(image, this.#now());
    return image.state === 'deleted' ? undefined : view(image);
  }

  /** Copies from another sandbox target (the simulated clouds share a process, as regions share a cloud). */
  async copyImageFrom(
    source: CloudProvider,
    imageId: string,
    input: CopyImageInput,
  ): Promise<{ imageId: string }> {
    await this.#faults.before('copyImageFrom');
    if (source.target.cloud !== 'sandbox')
      throw new BrokerError(
        'sandbox.unsupported',
        `cannot copy from a ${source.target.cloud} target into the sandbox`,
      );
    const original = await source.images.getImage(imageId);
    if (original.state !== 'available')
      throw new BrokerError('sandbox.conflict', `source image is ${original.state}`);
    const existing = await this.findImageByBrokerId(input.brokerId);
    if (existing) return { imageId: existing.id };
    const id = randomUUID();
    this.#state.mutate((data) => {
      data.images[id] = {
        id,
        brokerId: input.brokerId,
        name: input.name,
        sizeBytes: original.sizeBytes ?? 0,
        state: 'pending',
        pending: { to: 'available', at: this.#now() + sandboxSettingsOf(this.#target).timings.actionMs },
      };
    });
    this.#faults.after('copyImageFrom');
    return { imageId: id };
  }

  async deleteImage(imageId: string): Promise<void> {
    await this.#faults.before('deleteImage');
    const image = this.#state.data.images[imageId];
    if (!image) return;
    this.#state.mutate(() => {
      image.state = 'deleted';
      delete image.pending;
    });
    this.#faults.after('deleteImage');
  }
}

function view(image: SandboxImage): CloudImage {
  return {
    id: image.id,
    name: image.name,
    ...(image.brokerId === undefined ? {} : { brokerId: image.brokerId }),
    state: toImageState(image.state),
    rawState: image.state,
    sizeBytes: image.sizeBytes,
  };
}

/** The simulated on-prem payload store (I2): bytes kept in the target's own state file. */
export class SandboxPayloads implements PayloadStore {
  readonly #state: SandboxState;

  constructor(state: SandboxState) {
    this.#state = state;
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    this.#state.mutate((d) => {
      d.payloads[key] = Buffer.from(data).toString('base64');
    });
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const stored = this.#state.data.payloads[key];
    return stored === undefined ? undefined : Buffer.from(stored, 'base64');
  }

  async delete(key: string): Promise<void> {
    if (key in this.#state.data.payloads) this.#state.mutate((d) => delete d.payloads[key]);
  }
}
