import type { Emulator, EmulatorResponse } from './emulator.js';

/** A microcontroller printing JSON lines with temperature and humidity; obeys {"led": …} and {"intervalMs": …}. */
export class JsonSensorEmulator implements Emulator {
  private led = 'off';

  constructor(private readonly id = 'esp-01') {}

  tick(n: number): Uint8Array[] {
    const temperature = Math.round((21 + 2 * Math.sin(n / 10)) * 100) / 100;
    const humidity = Math.round((45 + 5 * Math.cos(n / 15)) * 10) / 10;
    return [Buffer.from(JSON.stringify({ id: this.id, temperature, humidity, led: this.led, uptime: n }))];
  }

  receive(message: Uint8Array): EmulatorResponse {
    let command: unknown;
    try {
      command = JSON.parse(Buffer.from(message).toString('utf8'));
    } catch {
      return { action: 'ignored a line that is not JSON' };
    }
    const { led, intervalMs, reboot, firmware, url, version } = (command ?? {}) as {
      led?: string;
      intervalMs?: number;
      reboot?: boolean;
      firmware?: string;
      url?: string;
      version?: string;
    };
    if (reboot) return { action: 'rebooting' };
    if (firmware === 'download') return { action: `downloading firmware ${version ?? ''} from ${url ?? '?'}` };
    if (firmware === 'update') return { action: `firmware updated to ${version ?? '?'}` };
    if (led) {
      this.led = led;
      return { action: `LED is now ${led}` };
    }
    if (intervalMs) return { action: `report interval set to ${intervalMs} ms` };
    return { action: `ignored ${JSON.stringify(command)}` };
  }
}
