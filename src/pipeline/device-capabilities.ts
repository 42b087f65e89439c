import type { HardwareProfile, ManagementCommand } from '../config/profile-schema.js';
import type { DmManageRequest } from '../protocol/device-management.js';
import type { DeviceRef } from '../protocol/ids.js';

// What a managed device can be asked to do: its capabilities, from the profile's `management` section.

/** Carries out one action on a device; params are the request's (firmware url and version, custom action parameters). */
export type DeviceAction = (params: Record<string, unknown>) => Promise<void>;

/** Sends a profile's declared command to a device through the pipeline's command path. */
export type SendCommand = (device: DeviceRef, commandId: string, payload: Record<string, unknown>) => Promise<void>;

/** What a managed device can be asked to do; a missing entry is answered 501. */
export interface DeviceCapabilities {
  reboot?: DeviceAction;
  factoryReset?: DeviceAction;
  firmwareDownload?: DeviceAction;
  firmwareUpdate?: DeviceAction;
  /** By `bundleId/actionId`. */
  custom?: Record<string, DeviceAction>;
}

/**
 * A device's capabilities from its profile's `management` section: each action sends the named declared command
 * with its fixed payload, the request's params merged over it. A command the profile does not declare is reported
 * through `warn` and left out (so the action answers 501).
 */
export function capabilitiesFromProfile(
  device: DeviceRef,
  profile: HardwareProfile,
  send: SendCommand,
  warn: (message: string) => void,
): DeviceCapabilities {
  const spec = profile.management;
  const command = (name: string, given?: ManagementCommand): DeviceAction | undefined => {
    if (!given) return undefined;
    if (profile.commands.some((rule) => rule.commandId === given.commandId)) {
      return (params) => send(device, given.commandId, { ...given.payload, ...params });
    }
    warn(
      `profile ${profile.name}: management.${name} names command "${given.commandId}", which is not in commands; answering 501`,
    );
    return undefined;
  };
  const custom: Record<string, DeviceAction> = {};
  for (const [name, given] of Object.entries(spec?.customActions ?? {})) {
    const action = command(`customActions.${name}`, given);
    if (action) custom[name] = action;
  }
  return {
    reboot: command('reboot', spec?.reboot),
    factoryReset: command('factoryReset', spec?.factoryReset),
    firmwareDownload: command('firmware.download', spec?.firmware?.download),
    firmwareUpdate: command('firmware.update', spec?.firmware?.update),
    custom,
  };
}

/** `supports` of a manage request: device actions, firmware actions, and the bundleId of every custom action. */
export function supportsOf(caps: DeviceCapabilities): NonNullable<DmManageRequest['supports']> {
  const supports: NonNullable<DmManageRequest['supports']> = {
    deviceActions: Boolean(caps.reboot || caps.factoryReset),
    firmwareActions: Boolean(caps.firmwareDownload || caps.firmwareUpdate),
  };
  for (const name of Object.keys(caps.custom ?? {})) supports[name.split('/')[0] ?? name] = true;
  return supports;
}
