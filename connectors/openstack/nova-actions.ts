import type { Nova } from './nova.ts';
import { openstackError } from './openstack-errors.ts';
import { seg } from './session.ts';

/**
 * Nova server actions, remote consoles, live migration and volume attachments — all through the same
 * pinned microversion as nova.ts (the `Nova` client adds the headers).
 * https://docs.openstack.org/api-ref/compute/#servers-run-an-action-servers-action
 */

// ── options ────────────────────────────────────────────────────────────────────────────────────────
export type RebootType = 'SOFT' | 'HARD';
export type ConsoleRequest = { protocol: 'vnc'; type: 'novnc' } | { protocol: 'spice'; type: 'spice-html5' };

// ── URL builders ───────────────────────────────────────────────────────────────────────────────────
export const actionPath = (serverId: string) => `/servers/${seg(serverId)}/action`;
export const remoteConsolesPath = (serverId: string) => `/servers/${seg(serverId)}/remote-consoles`;
export const volumeAttachmentsPath = (serverId: string, volumeId?: string) =>
  `/servers/${seg(serverId)}/os-volume_attachments${volumeId ? `/${seg(volumeId)}` : ''}`;

// ── calls ──────────────────────────────────────────────────────────────────────────────────────────
export class NovaActions {
  readonly #nova: Nova;

  constructor(nova: Nova) {
    this.#nova = nova;
  }

  /** 202 for most actions; confirmResize answers 204. 409 when the server's state forbids the action. */
  async action(
    serverId: string,
    op: string,
    body: Record<string, unknown>,
    accept: number[] = [202],
  ): Promise<void> {
    await this.#nova.request({
      method: 'POST',
      path: actionPath(serverId),
      op: `nova.${op}`,
      accept,
      json: body,
    });
  }

  start = (id: string) => this.action(id, 'start', { 'os-start': null });
  stop = (id: string) => this.action(id, 'stop', { 'os-stop': null });
  reboot = (id: string, type: RebootType) => this.action(id, 'reboot', { reboot: { type } });
  pause = (id: string) => this.action(id, 'pause', { pause: null });
  unpause = (id: string) => this.action(id, 'unpause', { unpause: null });
  resize = (id: string, flavorId: string) => this.action(id, 'resize', { resize: { flavorRef: flavorId } });
  confirmResize = (id: string) => this.action(id, 'confirmResize', { confirmResize: null }, [202, 204]);

  /**
   * Starts a snapshot; the image id comes in the body from 2.45 on, in the Location header before
   * (https://docs.openstack.org/api-ref/compute/#create-image-createimage-action). Both are read, so a
   * change of the pinned version cannot silently lose the id.
   */
  async createImage(
    serverId: string,
    name: string,
    metadata: Record<string, string>,
  ): Promise<{ imageId: string }> {
    const response = await this.#nova.request({
      method: 'POST',
      path: actionPath(serverId),
      op: 'nova.createImage',
      accept: [202],
      json: { createImage: { name, metadata } },
    });
    const body = response.bytes.length > 0 ? response.json<{ image_id?: string }>() : undefined;
    const fromHeader = response.headers.get('location')?.split('/').pop();
    const imageId = body?.image_id ?? fromHeader;
    if (!imageId) throw openstackError('lostResponse', 'nova.createImage: the answer named no image');
    return { imageId };
  }

  /** Remote console URL (≥ 2.6). Nova returns the proxy URL with a one-time token; nothing is logged. */
  async remoteConsole(
    serverId: string,
    request: ConsoleRequest,
  ): Promise<{ protocol: string; type: string; url: string }> {
    const body = await this.#nova.json<{ remote_console: { protocol: string; type: string; url: string } }>({
      method: 'POST',
      path: remoteConsolesPath(serverId),
      op: 'nova.remoteConsole',
      accept: [200],
      json: { remote_console: request },
      // Asking twice only yields two tokens.
      idempotent: true,
    });
    return body.remote_console;
  }

  async consoleOutput(serverId: string, length = 200): Promise<string> {
    const body = await this.#nova.json<{ output: string }>({
      method: 'POST',
      path: actionPath(serverId),
      op: 'nova.consoleOutput',
      accept: [200],
      json: { 'os-getConsoleOutput': { length } },
      idempotent: true,
    });
    return body.output;
  }

  /**
   * Live migration (admin by default policy). No host: the scheduler picks one. `block_migration: 'auto'`
   * (≥ 2.25) lets Nova choose by storage; `force` is gone from 2.68 on, so a named host is still checked
   * by the scheduler. https://docs.openstack.org/api-ref/compute/#live-migrate-server-os-migratelive-action
   */
  liveMigrate = (id: string, host?: string) =>
    this.action(id, 'liveMigrate', { 'os-migrateLive': { host: host ?? null, block_migration: 'auto' } });

  /** POST /servers/{id}/os-volume_attachments — 200 with the attachment. */
  async attachVolume(serverId: string, volumeId: string): Promise<NovaVolumeAttachment> {
    const body = await this.#nova.json<{ volumeAttachment: NovaVolumeAttachment }>({
      method: 'POST',
      path: volumeAttachmentsPath(serverId),
      op: 'nova.attachVolume',
      accept: [200],
      json: { volumeAttachment: { volumeId } },
    });
    return body.volumeAttachment;
  }

  /** 202; 404 when the volume is not attached to this server. */
  async detachVolume(serverId: string, volumeId: string): Promise<void> {
    await this.#nova.request({
      method: 'DELETE',
      path: volumeAttachmentsPath(serverId, volumeId),
      op: 'nova.detachVolume',
      accept: [202, 404],
    });
  }

  async listVolumeAttachments(serverId: string): Promise<NovaVolumeAttachment[]> {
    const body = await this.#nova.json<{ volumeAttachments: NovaVolumeAttachment[] }>({
      method: 'GET',
      path: volumeAttachmentsPath(serverId),
      op: 'nova.listVolumeAttachments',
      accept: [200],
    });
    return body.volumeAttachments;
  }
}

// ── response types ─────────────────────────────────────────────────────────────────────────────────
export interface NovaVolumeAttachment {
  id: string;
  volumeId: string;
  serverId: string;
  device?: string | null;
  delete_on_termination?: boolean;
}
