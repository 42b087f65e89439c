import type { Aedes, AedesPublishPacket } from 'aedes';

/**
 * Lets authorization drop a publish and keep its client connected: aedes publishes the very packet object it
 * passed to `authorizePublish`, so a packet marked here is skipped by a wrapper around `broker.publish`
 * (answering an error from `authorizePublish` would close the client instead). Returns the marking function.
 */
export function dropMarkedPublishes(broker: Aedes): (packet: object) => void {
  const dropped = new WeakSet<object>();
  const publish = broker.publish.bind(broker);
  broker.publish = ((packet: AedesPublishPacket, ...rest: unknown[]) => {
    const done = rest.find((arg) => typeof arg === 'function') as ((error?: Error) => void) | undefined;
    if (dropped.has(packet)) {
      done?.();
      return;
    }
    (publish as (...args: unknown[]) => void)(packet, ...rest);
  }) as typeof broker.publish;
  return (packet) => dropped.add(packet);
}
