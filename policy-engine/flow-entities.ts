import type { CedarValueJson, Context, EntityJson } from '@cedar-policy/cedar-wasm/nodejs';
import type { LinkProtocol } from '../core/model/link.ts';
import type {
  AttachRequest,
  CopyRequest,
  ExposeRequest,
  LinkDirection,
  LinkEndpoint,
  LinkRequest,
} from '../core/ports/flow-policy.ts';

/**
 * How flow requests (attach, copy, link) look to Cedar — the shapes schema.cedarschema declares as
 * AttachContext, CopyContext, LinkContext, Workload and Network. Like request-entities.ts, everything is
 * explicit (`__entity`, `__extn`): requests are evaluated without the schema, which was applied at load.
 */

type ArtefactKind = CopyRequest['artefact']['kind'];

// Records keyed by the core types, so that adding a kind or protocol in core fails to compile here until
// the lists (and then the schema's enums, which schema-model.ts checks against them) follow.
const ARTEFACT_KIND_SET: Record<ArtefactKind, true> = { snapshot: true, image: true, volume: true };
const PROTOCOL_SET: Record<LinkProtocol, true> = { tcp: true, udp: true, icmp: true };
const DIRECTION_SET: Record<LinkDirection, true> = { outbound: true, inbound: true };

/** The schema's `ArtefactKind` enum must list exactly these. */
export const ARTEFACT_KINDS = Object.keys(ARTEFACT_KIND_SET) as readonly ArtefactKind[];
/** The schema's `Protocol` enum must list exactly these. */
export const LINK_PROTOCOLS = Object.keys(PROTOCOL_SET) as readonly LinkProtocol[];
/** The schema's `Direction` enum must list exactly these. */
export const LINK_DIRECTIONS = Object.keys(DIRECTION_SET) as readonly LinkDirection[];

/** The id of a link's receiving VM: the port names no VM ids, and policies test attributes, not ids. */
export const LINK_DESTINATION_ID = 'destination';

function ref(type: string, id: string): CedarValueJson {
  return { __entity: { type, id } };
}

/** `attach` context (AttachContext): the classifications of the volume and of the VM. */
export function attachContext(request: AttachRequest): Context {
  return {
    volume: { classification: ref('Classification', request.volume.classification) },
    vm: { classification: ref('Classification', request.vm.classification) },
  };
}

/** `copy` context (CopyContext): what is copied, and the target it is on now. */
export function copyContext(request: CopyRequest): Context {
  return {
    artefact: {
      kind: ref('ArtefactKind', request.artefact.kind),
      classification: ref('Classification', request.artefact.classification),
    },
    source: ref('Target', request.from.id),
  };
}

/**
 * `link` context (LinkContext): the link's VM end, the direction, the port (0 for icmp), the range of
 * ports (`{ from: port, to: port }` for a single one) and the protocol.
 */
export function linkContext(request: LinkRequest): Context {
  const { from } = request;
  return {
    source: {
      tenant: ref('Tenant', from.tenant),
      classification: ref('Classification', from.classification),
      target: ref('Target', from.target.id),
      site: ref('Site', from.target.site),
    },
    port: request.port,
    ports: { from: request.port, to: request.portTo ?? request.port },
    protocol: ref('Protocol', request.protocol),
    direction: ref('Direction', request.direction ?? 'outbound'),
  };
}

/** `expose` context (ExposeContext): the classification of the VM that would get a public address. */
export function exposeContext(request: ExposeRequest): Context {
  return { workload: { classification: ref('Classification', request.workload.classification) } };
}

/** The receiving end of a link: a `Workload` (a VM) or a `Network` (a CIDR, id = the CIDR as written). */
export function linkDestination(to: LinkEndpoint): EntityJson {
  if (to.kind === 'vm')
    return {
      uid: { type: 'Workload', id: LINK_DESTINATION_ID },
      attrs: {
        tenant: ref('Tenant', to.tenant),
        classification: ref('Classification', to.classification),
        target: ref('Target', to.target.id),
        site: ref('Site', to.target.site),
        serviceEndpoint: to.serviceEndpoint,
      },
      parents: [],
    };
  return {
    uid: { type: 'Network', id: to.cidr },
    attrs: { cidr: { __extn: { fn: 'ip', arg: to.cidr } }, internet: to.internet },
    parents: [],
  };
}
