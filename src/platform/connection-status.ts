import { isoTime } from '../protocol/iso-time.js';
import { TOKEN_AUTH_USERNAME } from '../protocol/limits.js';

/** A gateway connecting or disconnecting, as the platform tells applications on `iot-2/type/T/id/D/mon`. */
export interface ConnectionStatusInput {
  action: 'Connect' | 'Disconnect';
  at: Date;
  clientId: string;
  clientAddress: string;
  connectedAt: string;
}

/** The device status message (seed: Device status; the platform's `mon` topic), as JSON fields. */
export function connectionStatus({
  action,
  at,
  clientId,
  clientAddress,
  connectedAt,
}: ConnectionStatusInput): Record<string, string> {
  return {
    Action: action,
    Time: isoTime(at.getTime()),
    ClientID: clientId,
    ClientAddr: clientAddress,
    Protocol: 'mqtt4',
    User: TOKEN_AUTH_USERNAME,
    ConnectTime: connectedAt,
    ...(action === 'Disconnect' ? { Reason: 'The connection has completed.' } : {}),
  };
}
