import { type ClientIdentity, parseClientId } from '../protocol/client-id.js';
import { TOKEN_AUTH_USERNAME } from '../protocol/limits.js';
import {
  type ApplicationCredentials,
  authenticateApplication,
  authenticateGateway,
  type GatewayCredentials,
} from './credentials.js';

/** Who may connect: the org, and the gateways and applications the platform knows. */
export interface KnownClients {
  orgId: string;
  gateways?: readonly GatewayCredentials[];
  applications?: readonly ApplicationCredentials[];
}

/** A connection accepted with its identity, or refused with the CONNACK return code and why. */
export type Authentication = { ok: true; identity: ClientIdentity } | { ok: false; returnCode: 2 | 4 | 5; reason: string };

/**
 * Decides a CONNECT (seed: Authentication): a client id of this org, a gateway with `use-token-auth` and its
 * token, or an application with its API key and token. Devices do not connect here (2: identifier rejected);
 * a wrong user name or secret is 4 (bad user name or password).
 */
export function authenticateClient(
  known: KnownClients,
  clientId: string,
  username: string | undefined,
  password: Buffer | undefined,
): Authentication {
  const refuse = (returnCode: 2 | 4 | 5, reason: string): Authentication => ({ ok: false, returnCode, reason });
  const parsed = parseClientId(clientId);
  if (!parsed.ok) return refuse(2, parsed.reason);
  const identity = parsed.value;
  if (identity.orgId !== known.orgId) return refuse(2, `client id ${clientId} is not of org ${known.orgId}`);
  const secret = password ?? Buffer.alloc(0);
  if (identity.kind === 'gateway') {
    if (username !== TOKEN_AUTH_USERNAME) return refuse(4, `gateway ${clientId} must use the user name ${TOKEN_AUTH_USERNAME}`);
    if (!authenticateGateway(known.gateways ?? [], identity, secret))
      return refuse(4, `wrong token or unknown gateway ${clientId}`);
  } else if (identity.kind === 'application') {
    if (!authenticateApplication(known.applications ?? [], username, secret))
      return refuse(4, `wrong API key or token for ${clientId}`);
  } else {
    return refuse(2, `device client ${clientId}: this platform accepts gateways and applications`);
  }
  return { ok: true, identity };
}
