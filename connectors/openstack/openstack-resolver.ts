import type { Target } from '../../core/model/target.ts';
import type { Glance } from './glance.ts';
import type { Neutron } from './neutron.ts';
import { looksLikeId } from './neutron.ts';
import type { Nova, NovaFlavor } from './nova.ts';
import { openstackError } from './openstack-errors.ts';

/**
 * Turns the target's catalogue references (flavor names or ids, image names or ids, a network name or
 * id) into the ids the APIs take, once per provider: flavors, images and networks change rarely, and a
 * lookup per create would double its cost. A miss refreshes the cache once before failing.
 */
export class OpenStackResolver {
  readonly #target: Target;
  readonly #nova: Nova;
  readonly #glance: Glance;
  readonly #neutron: Neutron;
  #flavors: Promise<NovaFlavor[]> | undefined;
  readonly #images = new Map<string, Promise<string>>();
  #network: Promise<string | undefined> | undefined;
  #publicNetwork: Promise<string> | undefined;

  constructor(target: Target, clients: { nova: Nova; glance: Glance; neutron: Neutron }) {
    this.#target = target;
    this.#nova = clients.nova;
    this.#glance = clients.glance;
    this.#neutron = clients.neutron;
  }

  /** The flavor id for a logical size of this target. */
  async flavorId(size: string): Promise<string> {
    const ref = this.#target.sizes[size];
    if (ref === undefined)
      throw openstackError('invalidRequest', `size ${size} is not offered on target ${this.#target.id}`, {
        details: { size },
      });
    const find = (list: NovaFlavor[]) => list.find((f) => f.id === ref) ?? list.find((f) => f.name === ref);
    let flavor = find(await this.#flavorList());
    if (!flavor) {
      this.#flavors = undefined;
      flavor = find(await this.#flavorList());
    }
    if (!flavor)
      throw openstackError(
        'invalidConfig',
        `target ${this.#target.id}: size ${size} maps to a flavor the cloud lacks`,
        { details: { size } },
      );
    return flavor.id;
  }

  /** The target's reference (flavor name or id) for a logical size. */
  sizeRef(size: string): string {
    return this.#target.sizes[size] ?? size;
  }

  /**
   * The target's own reference for a server's flavor name (Nova ≥ 2.47 embeds only the name), so
   * `sizeRef` compares equal to `target.sizes[...]` whether the catalogue names flavors by name or id.
   */
  sizeRefOf(flavorName: string): string {
    const refs = Object.values(this.#target.sizes);
    if (refs.includes(flavorName)) return flavorName;
    return (
      refs.find((ref) => this.#cachedFlavors?.find((f) => f.id === ref)?.name === flavorName) ?? flavorName
    );
  }

  /** Whether `sizeRefOf(flavorName)` is settled without the flavor list (the catalogue names it). */
  namesFlavor(flavorName: string): boolean {
    return Object.values(this.#target.sizes).includes(flavorName);
  }

  /** Loaded flavors, if any, for the synchronous `sizeRefOf`. */
  #cachedFlavors: NovaFlavor[] | undefined;

  /** Preloads the flavor list (so `sizeRefOf` can map ids). */
  async warm(): Promise<void> {
    await this.#flavorList();
  }

  /** The Glance image id for a logical image of this target, or the id itself (broker-made images). */
  async imageId(image: string): Promise<string> {
    const ref = this.#target.images[image];
    if (ref === undefined) {
      if (looksLikeId(image)) return image;
      throw openstackError('invalidRequest', `image ${image} is not offered on target ${this.#target.id}`, {
        details: { image },
      });
    }
    if (looksLikeId(ref)) return ref;
    let pending = this.#images.get(ref);
    if (!pending) {
      pending = this.#imageByName(ref, image);
      this.#images.set(ref, pending);
      pending.catch(() => this.#images.delete(ref));
    }
    return pending;
  }

  /** The network id of `connection.network` (name or id), or undefined when none is configured. */
  async networkId(): Promise<string | undefined> {
    const ref = this.#target.connection.network;
    if (ref === undefined || ref === '') return undefined;
    const name = String(ref);
    if (looksLikeId(name)) return name;
    this.#network ??= (async () => {
      const matches: string[] = [];
      for await (const n of this.#neutron.listNetworks({ name })) matches.push(n.id);
      if (matches.length !== 1)
        throw openstackError(
          'invalidConfig',
          `target ${this.#target.id}: network name matches ${matches.length} networks (need exactly 1)`,
        );
      return matches[0];
    })();
    this.#network.catch(() => {
      this.#network = undefined;
    });
    return this.#network;
  }

  /**
   * The external network floating IPs come from: `connection.publicNetwork` (name or id), else the one
   * network marked `router:external`. https://docs.openstack.org/api-ref/network/v2/#list-networks
   */
  async publicNetworkId(): Promise<string> {
    const ref = this.#target.connection.publicNetwork;
    if (typeof ref === 'string' && looksLikeId(ref)) return ref;
    this.#publicNetwork ??= (async () => {
      const filter = typeof ref === 'string' ? { name: ref } : { 'router:external': 'true' };
      const matches: string[] = [];
      for await (const n of this.#neutron.listNetworks(filter)) matches.push(n.id);
      if (matches.length !== 1)
        throw openstackError(
          'invalidConfig',
          `target ${this.#target.id}: ${matches.length} external networks match (need exactly 1; set connection.publicNetwork)`,
        );
      return matches[0]!;
    })();
    this.#publicNetwork.catch(() => {
      this.#publicNetwork = undefined;
    });
    return this.#publicNetwork;
  }

  async #flavorList(): Promise<NovaFlavor[]> {
    this.#flavors ??= (async () => {
      const list: NovaFlavor[] = [];
      for await (const f of this.#nova.listFlavors()) list.push(f);
      this.#cachedFlavors = list;
      return list;
    })();
    this.#flavors.catch(() => {
      this.#flavors = undefined;
    });
    return this.#flavors;
  }

  async #imageByName(name: string, logical: string): Promise<string> {
    const ids: string[] = [];
    for await (const i of this.#glance.listImages({ name, status: 'active' })) ids.push(i.id);
    if (ids.length !== 1)
      throw openstackError(
        'invalidConfig',
        `target ${this.#target.id}: image ${logical} matches ${ids.length} active images (need exactly 1)`,
        {
          details: { image: logical },
        },
      );
    return ids[0]!;
  }
}
