/**
 * New devices waiting for a pending registration slot, in arrival order (seed: Gateway
 * auto-registration: the rest wait, they are not dropped). A device whose back-off ended goes first.
 */
export class RegistrationLine {
  private readonly devices: string[] = [];

  get size(): number {
    return this.devices.length;
  }

  push(device: string): void {
    this.devices.push(device);
  }

  unshift(device: string): void {
    this.devices.unshift(device);
  }

  shift(): string | undefined {
    return this.devices.shift();
  }

  remove(device: string): void {
    const index = this.devices.indexOf(device);
    if (index >= 0) this.devices.splice(index, 1);
  }

  /** Empties the line and returns who was in it, in order. */
  drain(): string[] {
    return this.devices.splice(0);
  }
}
