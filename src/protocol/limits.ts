/** The largest event payload the service accepts, in bytes (seed: Publishing events). */
export const MAX_PAYLOAD_BYTES = 131072;

/** Registrations a gateway may have pending at once (seed: Gateway auto-registration). */
export const MAX_PENDING_REGISTRATIONS = 10;

/** Devices a gateway may have active at once; the count resets on disconnect (seed: Gateway auto-registration). */
export const MAX_ACTIVE_DEVICES = 500;

/** Longest typeId or deviceId (seed: MQTT client identifier). */
export const MAX_ID_LENGTH = 36;

/** Shortest non-zero managed-device lifetime, in seconds (device management protocol: manage request). */
export const MIN_MANAGE_LIFETIME_SECONDS = 3600;

/** Plain MQTT port; the token travels in clear (seed: Unencrypted client connection). */
export const PORT_MQTT = 1883;
/** MQTT over TLS (seed: Encrypted client connection). */
export const PORT_MQTTS = 8883;
/** MQTT over secure WebSockets (seed: Encrypted client connection). */
export const PORT_WSS = 443;

/** TLS version the service requires (seed: Encrypted client connection, Prerequisites). */
export const TLS_MIN_VERSION = 'TLSv1.2';

/** The four cipher suites the service accepts, in OpenSSL names (seed: Encrypted client connection). */
export const TLS_CIPHER_SUITES = [
  'ECDHE-RSA-AES256-GCM-SHA384',
  'AES256-GCM-SHA384',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'AES128-GCM-SHA256',
] as const;

/** The only username a gateway may use; the token is the password (seed: MQTT authentication). */
export const TOKEN_AUTH_USERNAME = 'use-token-auth';

/** Default messaging domain; the host is `{orgId}.messaging.{domain}` (seed: MQTT client connection). */
export const DEFAULT_DOMAIN = 'internetofthings.ibmcloud.com';
