import type { ManagedGatewayConfig } from '../config/gateway-config.js';
import type { Logger } from '../logging.js';
import { DM_RC, type DmTopic, FIRMWARE_UPDATE_STATUS } from '../protocol/device-management.js';
import { deviceKey } from '../protocol/ids.js';
import { withTimeout } from '../timeout.js';
import type { DeviceAction } from './device-capabilities.js';
import { readField, unknownFields, updateFields } from './device-fields.js';
import type { DmReporter } from './dm-reporting.js';
import { type DmAnswer, type DmRequester, parseActionParams, parseFieldsRequest } from './dm-requests.js';
import { type FirmwareFailure, finishFirmware, firmwareParams, firmwareUrlProblem, nextFirmware } from './firmware-state.js';
import type { ManagedDevice, ManageScheduler } from './manage-scheduler.js';

/** What the dispatcher works with. */
export interface DmDispatcherInputs {
  requester: DmRequester;
  scheduler: ManageScheduler;
  reporter: DmReporter;
  options: Pick<ManagedGatewayConfig, 'actionTimeoutMs' | 'remanageDelayMs'>;
  logger: Logger;
  /** True once the gateway has unmanaged everything: nothing more is sent. */
  closed(): boolean;
}

/**
 * Answers the platform's device management requests (seed: Device actions, Firmware actions, Device update,
 * Observe): each from the device's declared capabilities and fields, 404 for a device not managed from here,
 * 501 for what it cannot do.
 */
export class DmDispatcher {
  constructor(private readonly inputs: DmDispatcherInputs) {}

  /** The answer to one request (`d` as the platform sent it); `after` runs once the answer is on its way. */
  async dispatch(topic: DmTopic, d: unknown): Promise<DmAnswer> {
    const md = this.inputs.scheduler.get(topic.device);
    if (!md) return { rc: DM_RC.NOT_FOUND, message: `${deviceKey(topic.device)} is not managed by this gateway` };
    const caps = md.capabilities;
    if (topic.custom) {
      const name = `${topic.custom.bundleId}/${topic.custom.actionId}`;
      return this.runAction(md, caps.custom?.[name], `custom action ${name}`, parseActionParams(d), false);
    }
    switch (topic.operation) {
      case 'mgmt/initiate/device/reboot':
        return this.runAction(md, caps.reboot, 'reboot', {}, true);
      case 'mgmt/initiate/device/factory_reset':
        return this.runAction(md, caps.factoryReset, 'factory reset', {}, true);
      case 'mgmt/initiate/firmware/download':
        return this.startFirmware(md, 'download', caps.firmwareDownload);
      case 'mgmt/initiate/firmware/update':
        return this.startFirmware(md, 'update', caps.firmwareUpdate);
      case 'device/update': {
        const request = parseFieldsRequest(d, true);
        if (!request.ok) return { rc: DM_RC.BAD_REQUEST, message: request.reason };
        const updated = updateFields(md, request.value);
        if (!updated.ok)
          return { rc: updated.rc, message: updated.message, ...(updated.unknown ? { d: { fields: updated.unknown } } : {}) };
        Object.assign(md, updated.value);
        return { rc: DM_RC.CHANGED };
      }
      case 'observe':
      case 'cancel':
        return this.observe(md, d, topic.operation === 'observe');
      default:
        return { rc: DM_RC.NOT_IMPLEMENTED, message: `${topic.operation} is not supported` };
    }
  }

  /** Reboot, factory reset and custom actions: 202 once the device's command is delivered, 500 if it was not. */
  private async runAction(
    md: ManagedDevice,
    action: DeviceAction | undefined,
    label: string,
    params: Record<string, unknown>,
    remanage: boolean,
  ): Promise<DmAnswer> {
    if (!action) return { rc: DM_RC.NOT_IMPLEMENTED, message: `${label} is not supported by ${deviceKey(md.device)}` };
    try {
      await this.withTimeout(action(params), label);
    } catch (error) {
      return { rc: DM_RC.INTERNAL_ERROR, message: `${label} failed: ${(error as Error).message}` };
    }
    // After a reboot or reset the device manages again (seed: the device sends a manage request when it is back).
    const after = () => this.inputs.scheduler.manageLater(md, this.inputs.options.remanageDelayMs);
    return remanage ? { rc: DM_RC.ACCEPTED, after } : { rc: DM_RC.ACCEPTED };
  }

  /** Firmware download/update: the state changes at once (a second request gets 400), the action runs after the 202. */
  private startFirmware(md: ManagedDevice, which: 'download' | 'update', action: DeviceAction | undefined): DmAnswer {
    if (!action) return { rc: DM_RC.NOT_IMPLEMENTED, message: `firmware ${which} is not supported by ${deviceKey(md.device)}` };
    const started = nextFirmware(md.firmware, { kind: `${which}-requested` });
    if (!started.ok) return { rc: DM_RC.BAD_REQUEST, message: started.reason };
    md.firmware = started.value;
    return { rc: DM_RC.ACCEPTED, after: () => void this.runFirmware(md, which, action) };
  }

  private async runFirmware(md: ManagedDevice, which: 'download' | 'update', action: DeviceAction): Promise<void> {
    this.notifyField(md, 'mgmt.firmware');
    const badUrl = which === 'download' && md.firmware.url ? firmwareUrlProblem(md.firmware.url) : undefined;
    let failure: FirmwareFailure | undefined = badUrl
      ? { message: badUrl, updateStatus: FIRMWARE_UPDATE_STATUS.INVALID_URI }
      : undefined;
    if (!failure) {
      try {
        await this.withTimeout(action(firmwareParams(md.firmware)), `firmware ${which}`);
      } catch (error) {
        const status = (error as { updateStatus?: unknown }).updateStatus;
        failure = { message: (error as Error).message, updateStatus: typeof status === 'number' ? status : undefined };
      }
    }
    const next = finishFirmware(md.firmware, which, failure, new Date());
    if (this.inputs.closed() || !next.ok) return;
    md.firmware = next.value;
    this.notifyField(md, 'mgmt.firmware');
    if (!failure && which === 'update' && md.firmware.version) {
      md.deviceInfo = { ...md.deviceInfo, fwVersion: md.firmware.version };
      this.notifyField(md, 'deviceInfo');
      // The manage request carries deviceInfo: that is how the platform learns the new fwVersion.
      if (md.managed) void this.inputs.scheduler.manage(md);
    }
    if (!failure) return;
    this.inputs.logger.warn(
      { device: deviceKey(md.device), updateStatus: md.firmware.updateStatus },
      `firmware ${which} failed: ${failure.message}`,
    );
    if (md.managed)
      void this.inputs.reporter.addDiagLog(md.device, { message: `firmware ${which} failed: ${failure.message}`, severity: 2 });
  }

  /** `observe` answers 200 with the fields' current values, then notifies their changes; `cancel` stops that. */
  private observe(md: ManagedDevice, d: unknown, on: boolean): DmAnswer {
    const request = parseFieldsRequest(d, false);
    if (!request.ok) return { rc: DM_RC.BAD_REQUEST, message: request.reason };
    const unknown = unknownFields(request.value);
    if (unknown.length > 0)
      return { rc: DM_RC.NOT_FOUND, message: `cannot observe ${unknown.join(', ')}`, d: { fields: unknown } };
    for (const { field } of request.value) {
      if (on) md.observed.add(field);
      else md.observed.delete(field);
    }
    if (!on) return { rc: DM_RC.OK };
    return { rc: DM_RC.OK, d: { fields: request.value.map(({ field }) => ({ field, value: readField(md, field) })) } };
  }

  /** A change the device made to an observed field goes to the platform as `notify`. */
  private notifyField(md: ManagedDevice, field: string): void {
    if (md.observed.has(field) && !this.inputs.closed())
      void this.inputs.requester.ask(md.device, 'notify', { field, value: readField(md, field) });
  }

  private withTimeout<T>(work: Promise<T>, label: string): Promise<T> {
    const ms = this.inputs.options.actionTimeoutMs;
    return withTimeout(work, ms, () => new Error(`${label} took longer than ${ms} ms`));
  }
}
