import type { FrameEncoder } from '../codecs/framing/deframer.js';
import type { HardwareProfile } from '../config/profile-schema.js';
import type { Logger } from '../logging.js';
import { type DeviceRef, deviceKey } from '../protocol/ids.js';
import { withTimeout } from '../timeout.js';
import { encodeCommand } from './command-encoding.js';
import type { DeviceRoute, DeviceRoutes } from './device-routes.js';
import type { CommandOrigin, PipelineTap } from './pipeline-tap.js';

/** A command waiting for its device's first frame (the gateway restarted, the device has not spoken yet). */
interface WaitingCommand {
  commandId: string;
  payload: Uint8Array;
  format: string | undefined;
  origin: CommandOrigin;
  timer: NodeJS.Timeout;
  resolve(bytes: Uint8Array): void;
  reject(error: Error): void;
}

/** How many commands may wait for unseen devices, per device and in all (bounded memory). */
const MAX_WAITING_PER_DEVICE = 10;
const MAX_WAITING = 200;
/**
 * How long an adapter's write may take before the command is reported failed: a port held by flow control, or a
 * plugin whose write never answers, must not keep the console, a device management action or memory waiting for ever.
 */
export const WRITE_TIMEOUT_MS = 10_000;
const WRITE_TIMED_OUT = `did not finish within ${WRITE_TIMEOUT_MS / 1000} s (flow control holding the port, or a plugin that does not answer); the bytes may still go out`;

/** What the downlink needs from the pipeline around it. */
export interface DownlinkParts {
  routes: DeviceRoutes;
  /** The profile's frame encoder (commands marked `framed` go through it). */
  encoderOf(profile: HardwareProfile): FrameEncoder | undefined;
  tap(): PipelineTap | undefined;
  /** Counts and logs a refusal (stage `command`). */
  refuse(device: DeviceRef, reason: string): void;
  delivered(): void;
  /** How long a command for a device not seen yet waits for it; 0 refuses at once. */
  waitMs: number;
  logger: Logger;
}

/**
 * Commands down to devices (DESIGN: downlink): the device's route, its profile's declared command and params,
 * the encoder, the framing, then the adapter's write. Never silent: a command is delivered (logged with the
 * bytes written), or refused with a logged and counted reason and nothing written. A command for a device
 * the gateway has not heard yet waits up to `waitMs` for its first frame.
 */
export class Downlink {
  private readonly waiting = new Map<string, WaitingCommand[]>();
  private waitingCount = 0;

  constructor(private readonly parts: DownlinkParts) {}

  /** Sends a command, resolving with the bytes written; rejects, naming the problem, when refused. */
  deliver(
    device: DeviceRef,
    commandId: string,
    payload: Uint8Array,
    format: string | undefined,
    origin: CommandOrigin,
  ): Promise<Uint8Array> {
    const route = this.parts.routes.get(deviceKey(device));
    if (route) return this.tracked(device, commandId, origin, () => this.write(route, commandId, payload, format, origin));
    if (this.parts.waitMs === 0) {
      return this.tracked(device, commandId, origin, () =>
        Promise.reject(new Error(`command ${commandId} for ${deviceKey(device)}: no such device behind this gateway`)),
      );
    }
    return this.tracked(device, commandId, origin, () => this.wait(device, commandId, payload, format, origin));
  }

  /** A device was heard for the first time: the commands that waited for it go now, in order. */
  deviceSeen(route: DeviceRoute): void {
    const key = deviceKey(route.device);
    const queued = this.waiting.get(key);
    if (!queued) return;
    this.waiting.delete(key);
    this.waitingCount -= queued.length;
    void (async () => {
      for (const command of queued) {
        clearTimeout(command.timer);
        await this.write(route, command.commandId, command.payload, command.format, command.origin).then(
          command.resolve,
          command.reject,
        );
      }
    })();
  }

  /** Refuses every waiting command (the gateway stops). */
  close(): void {
    for (const [key, queued] of this.waiting) {
      for (const command of queued) {
        clearTimeout(command.timer);
        command.reject(new Error(`command ${command.commandId} for ${key}: the gateway stopped before the device was heard`));
      }
    }
    this.waiting.clear();
    this.waitingCount = 0;
  }

  private async tracked(
    device: DeviceRef,
    commandId: string,
    origin: CommandOrigin,
    send: () => Promise<Uint8Array>,
  ): Promise<Uint8Array> {
    try {
      const bytes = await send();
      this.parts.tap()?.command({ at: Date.now(), device, commandId, origin, bytes });
      return bytes;
    } catch (error) {
      const reason = (error as Error).message;
      this.parts.refuse(device, reason);
      this.parts.tap()?.command({ at: Date.now(), device, commandId, origin, refused: reason });
      throw error;
    }
  }

  private wait(
    device: DeviceRef,
    commandId: string,
    payload: Uint8Array,
    format: string | undefined,
    origin: CommandOrigin,
  ): Promise<Uint8Array> {
    const key = deviceKey(device);
    const queued = this.waiting.get(key) ?? [];
    if (queued.length >= MAX_WAITING_PER_DEVICE || this.waitingCount >= MAX_WAITING) {
      return Promise.reject(
        new Error(`command ${commandId} for ${key}: no such device behind this gateway, and too many commands wait already`),
      );
    }
    const seconds = Math.round(this.parts.waitMs / 1000);
    this.parts.logger.info({ device: key, commandId, origin }, `command waits up to ${seconds} s for the device's first frame`);
    return new Promise((resolve, reject) => {
      const command: WaitingCommand = {
        commandId,
        payload,
        format,
        origin,
        resolve,
        reject,
        timer: setTimeout(() => {
          const list = this.waiting.get(key) ?? [];
          const index = list.indexOf(command);
          if (index >= 0) list.splice(index, 1);
          if (list.length === 0) this.waiting.delete(key);
          this.waitingCount--;
          reject(
            new Error(`command ${commandId} for ${key}: no such device behind this gateway (not heard within ${seconds} s)`),
          );
        }, this.parts.waitMs),
      };
      command.timer.unref();
      queued.push(command);
      this.waiting.set(key, queued);
      this.waitingCount++;
    });
  }

  private async write(
    route: DeviceRoute,
    commandId: string,
    payload: Uint8Array,
    format: string | undefined,
    origin: CommandOrigin,
  ): Promise<Uint8Array> {
    const rule = route.profile.commands.find((candidate) => candidate.commandId === commandId);
    if (!rule) {
      const known = route.profile.commands.map((c) => c.commandId).join(', ') || 'none';
      throw new Error(
        `command ${commandId} is not declared by profile ${route.profile.name} (declared: ${known}); nothing written`,
      );
    }
    if (format !== undefined && rule.format !== format) {
      throw new Error(`command ${commandId}: format "${format}", expected "${rule.format}"; nothing written`);
    }
    const encoded = encodeCommand(rule, payload, route.source.vars, route.profile.framing);
    if (!encoded.ok) throw new Error(`${encoded.reason}; nothing written`);
    const encoder = rule.framed ? this.parts.encoderOf(route.profile) : undefined;
    const bytes = encoder ? encoder(encoded.value) : encoded.value;
    const adapter = route.adapter;
    if (!adapter.write) throw new Error(`adapter ${adapter.name} cannot write; nothing written`);
    try {
      await withTimeout(adapter.write(route.source.channel, bytes), WRITE_TIMEOUT_MS, () => new Error(WRITE_TIMED_OUT));
    } catch (error) {
      throw new Error(`command ${commandId}: write to ${route.source.channel} failed: ${(error as Error).message}`);
    }
    this.parts.delivered();
    this.parts.logger.info(
      { device: deviceKey(route.device), commandId, origin, hex: Buffer.from(bytes).toString('hex').slice(0, 128) },
      origin === 'console' ? 'command from the console delivered' : 'command delivered',
    );
    return bytes;
  }
}
