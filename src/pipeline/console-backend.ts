import { createFrameEncoder } from '../codecs/framing/framing-spec.js';
import type { CommandRequest, CommandResponse, ConsoleDevice, LiveStatus } from '../http/console-api.js';
import type { ConsoleBackend } from '../http/console-routes.js';
import type { Logger } from '../logging.js';
import { deviceKey, validateDeviceRef } from '../protocol/ids.js';
import { encodeCommand } from './command-encoding.js';
import type { GatewayView } from './gateway-view.js';
import type { ManagedGateway } from './managed-gateway.js';
import type { Pipeline } from './pipeline.js';
import type { PipelineTap } from './pipeline-tap.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/**
 * What the web console reads and does on a running gateway: the view's status, the devices with their
 * profiles' declared commands, commands sent through the pipeline as a command from the service would be
 * (origin "console"), and the pipeline's tap for the live stream.
 */
export class GatewayConsole implements ConsoleBackend {
  /** Set once device management runs (it starts after the HTTP server). */
  managed: ManagedGateway | undefined;

  constructor(private readonly parts: { pipeline: Pipeline; view: GatewayView; logger: Logger }) {}

  setTap(tap: PipelineTap | undefined): void {
    this.parts.pipeline.setTap(tap);
  }

  status(): LiveStatus {
    const status = this.parts.view.status();
    return this.managed ? { status, managed: this.managed.snapshot() } : { status };
  }

  devices(): ConsoleDevice[] {
    return [...this.parts.pipeline.routesByDevice.entries()].map(([key, route]) => ({
      key,
      typeId: route.device.typeId,
      deviceId: route.device.deviceId,
      profile: route.profile.name,
      channel: route.source.channel,
      commands: route.profile.commands,
    }));
  }

  async command(request: CommandRequest): Promise<CommandResponse> {
    const device = validateDeviceRef(request);
    if (!device.ok) return device;
    const payload = Buffer.from(JSON.stringify(request.params));
    if (request.dryRun) return this.encode(request, payload);
    const { logger, pipeline } = this.parts;
    try {
      const bytes = await pipeline.deliverCommand(device.value, request.commandId, payload, undefined, 'console');
      return { ok: true, hex: hex(bytes), dryRun: false };
    } catch (error) {
      const reason = (error as Error).message;
      logger.warn(
        { device: deviceKey(device.value), commandId: request.commandId, origin: 'console' },
        `command from the console refused: ${reason}`,
      );
      return { ok: false, reason };
    }
  }

  /** The bytes the device would get, by the encoder the pipeline uses; nothing is written. */
  private encode(request: CommandRequest, payload: Uint8Array): CommandResponse {
    const key = `${request.typeId}/${request.deviceId}`;
    const route = this.parts.pipeline.routesByDevice.get(key);
    if (!route) return { ok: false, reason: `${key}: no such device behind this gateway` };
    const rule = route.profile.commands.find((candidate) => candidate.commandId === request.commandId);
    if (!rule) return { ok: false, reason: `command ${request.commandId} is not declared by profile ${route.profile.name}` };
    const encoded = encodeCommand(rule, payload, route.source.vars, route.profile.framing);
    if (!encoded.ok) return encoded;
    const framing = route.profile.framing;
    const bytes = rule.framed && framing ? createFrameEncoder(framing)(encoded.value) : encoded.value;
    return { ok: true, hex: hex(bytes), dryRun: true };
  }
}
