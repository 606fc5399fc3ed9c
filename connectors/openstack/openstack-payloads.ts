import type { PayloadStore } from '../../core/ports/cloud/object-storage.ts';
import type { Swift } from './swift.ts';

/**
 * The on-prem payload store (I2): a private Swift container on the target (no read ACL, no TempURLs
 * handed out for it) holding what the control plane must not keep — user data of `phi` VMs. Keys are
 * object names; they are never logged or put into errors.
 */
export class OpenStackPayloads implements PayloadStore {
  readonly #swift: Swift;
  readonly #container: string;
  #ready: Promise<void> | undefined;

  constructor(swift: Swift, container = 'hcb-payloads') {
    this.#swift = swift;
    this.#container = container;
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    await this.#ensureContainer();
    await this.#swift.putObject(this.#container, key, data);
  }

  /** Undefined when absent (a container never made holds nothing either: both are a 404). */
  get(key: string): Promise<Uint8Array | undefined> {
    return this.#swift.getObject(this.#container, key);
  }

  async delete(key: string): Promise<void> {
    await this.#swift.deleteObject(this.#container, key);
  }

  /** PUT container is idempotent; done once per provider. */
  #ensureContainer(): Promise<void> {
    this.#ready ??= this.#swift
      .putContainer(this.#container, { meta: { 'hcb-purpose': 'payloads' } })
      .catch((error: unknown) => {
        this.#ready = undefined;
        throw error;
      });
    return this.#ready;
  }
}
