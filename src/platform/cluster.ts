import type { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import type { Logger } from '../logging.js';
import type { RegisteredDevice, SharedRegistry } from './registration.js';

/** Platforms started with the same Redis behave as one service. */
export interface ClusterOptions {
  /** `redis://[user:password@]host:port[/db]`, or `rediss://` for TLS. */
  redisUrl: string;
  /** How long a connection attempt to Redis may take (default 5 s). */
  connectTimeoutMs?: number;
  /** PEM certificates to trust for a `rediss://` Redis (a self-signed one); the system's CAs otherwise. */
  ca?: string | Buffer;
}

/** What a platform node needs of the cluster: aedes's emitter and persistence, and the shared registry. */
export interface PlatformCluster {
  /** Carries every publish to the nodes whose clients subscribe (mqemitter-redis). */
  readonly mq: unknown;
  /** Sessions, subscriptions, QoS 1 messages for offline clients, retained messages (aedes-persistence-redis). */
  readonly persistence: unknown;
  readonly registry: SharedRegistry;
  /** Each device's management state as last changed on any node (JSON by device key), for a node that starts later. */
  readonly dmStates: {
    save(key: string, state: string): Promise<void>;
    load(): Promise<string[]>;
  };
  /** The Redis address without its credentials, for logs. */
  readonly target: string;
  /** False while a connection to Redis is lost: nothing published now would reach anyone, not even on this node. */
  readonly reachable: boolean;
  /** Calls `listener` when Redis is lost (once an outage). */
  onOutage(listener: () => void): void;
  /** Ends the connections to Redis (call after the broker closed: it ends the emitter's first). */
  close(): Promise<void>;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
/** Keeps the first registration of a device and counts the organization's devices in one step (two nodes race). */
const REGISTER_SCRIPT = `
local known = redis.call('HGET', KEYS[1], ARGV[1])
if known then return known end
local limit = tonumber(ARGV[3])
if limit >= 0 and redis.call('HLEN', KEYS[1]) >= limit then return false end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return ARGV[2]
`;

/** A Redis URL as logs may show it: no user name or password. Throws a usage error naming what was expected. */
export function describeRedisUrl(text: string): string {
  const url = URL.canParse(text) ? new URL(text) : undefined;
  if (url?.protocol !== 'redis:' && url?.protocol !== 'rediss:') {
    throw new Error(`expected redis://HOST:PORT or rediss://HOST:PORT, got "${text.replace(/\/\/[^@/]*@/, '//…@')}"`);
  }
  return `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
}

/**
 * Connects a platform node to the cluster's Redis: three connections (the emitter's publisher and subscriber, and
 * one for sessions and the registry), each ready before this resolves, or an error naming the address and why.
 * An outage after start is logged once, and its end too; ioredis reconnects meanwhile.
 */
export async function joinCluster(options: ClusterOptions, orgId: string, logger: Logger): Promise<PlatformCluster> {
  const target = (() => {
    try {
      return describeRedisUrl(options.redisUrl);
    } catch (error) {
      throw new Error(`cluster.redisUrl: ${(error as Error).message}`);
    }
  })();
  if (options.ca !== undefined && !target.startsWith('rediss:'))
    throw new Error(`cluster.ca: a CA is for a rediss:// Redis (TLS), and ${target} is not one`);
  // Loaded here: a platform on its own never loads the Redis client (as prom-client waits for the first scrape).
  const [{ Redis }, { default: mqemitterRedis }, { default: persistence }] = await Promise.all([
    import('ioredis'),
    import('mqemitter-redis'),
    import('aedes-persistence-redis'),
  ]);
  const timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  // Until start ends, a failure is thrown, not logged. After it, an outage is logged when the first connection
  // loses Redis and its end when the last one has it back.
  let started = false;
  let lastError: string | undefined;
  const away = new Set<Redis>();
  const outageListeners: Array<() => void> = [];
  const open = () => {
    const connection = new Redis(options.redisUrl, {
      lazyConnect: true,
      connectTimeout: timeoutMs,
      // rediss:// checks the certificate as Node does, against this CA when one is given.
      ...(options.ca === undefined ? {} : { tls: { ca: options.ca } }),
      // How long a dropped connection's socket may take to end (ioredis waits 2 s, even for one closed long ago).
      disconnectTimeout: 200,
      // At start a failure is final (start throws); after it, ioredis tries again until Redis is back.
      retryStrategy: (attempt) => (started ? Math.min(attempt * 200, 2000) : null),
    });
    connection.on('error', (error: Error) => {
      lastError = error.message;
    });
    connection.on('reconnecting', () => {
      if (!started || away.has(connection)) return;
      away.add(connection);
      if (away.size > 1) return;
      logger.warn(
        { redis: target, err: lastError },
        'Redis unreachable: clients are turned away until it is back (what they published would reach nobody)',
      );
      for (const listener of outageListeners) listener();
    });
    connection.on('ready', () => {
      if (away.delete(connection) && away.size === 0) logger.info({ redis: target }, 'Redis reachable again');
    });
    return connection;
  };
  const connections = [open(), open(), open()] as const;
  const [publisher, subscriber, store] = connections;
  // Every attempt is let finish: one dropped mid-handshake (TLS) gets Redis's alert on a socket nobody listens to any
  // more, an uncaught exception. A failed one ends by itself (no retries before start); connect() then rejects with
  // "Connection is closed", and the error event said why.
  const attempts = await Promise.allSettled(connections.map((connection) => connection.connect()));
  const failed = attempts.find((attempt) => attempt.status === 'rejected');
  if (failed) {
    await Promise.all(connections.map(end));
    const why = lastError ?? String((failed as PromiseRejectedResult).reason);
    throw new Error(`cannot reach Redis at ${target}: ${why} (is redis-server running there?)`);
  }
  started = true;
  const mq = mqemitterRedis({ pubConn: publisher, subConn: subscriber });
  // The connections' own listeners report errors; without one here the emitter's 'error' would throw.
  (mq as unknown as { state: EventEmitter }).state.on('error', () => undefined);
  // aedes closes the emitter, whose close sends QUIT on each connection with no handler for its failure (an unhandled
  // rejection when Redis has just gone) and then waits for an end that never comes to a connection waiting to
  // reconnect. Ended here instead: QUIT where Redis answers, dropped where it does not.
  mq.close = (done: () => void) => {
    void Promise.all([publisher, subscriber].map(end)).then(() => done());
  };
  store.defineCommand('wiotpRegister', { numberOfKeys: 1, lua: REGISTER_SCRIPT });
  const devicesKey = `wiotp:${orgId}:devices`;
  const refusedKey = (key: string) => `wiotp:${orgId}:refused:${key}`;
  const registry: SharedRegistry = {
    get: async (key) => parseRegistered(await store.hget(devicesKey, key)),
    register: async (key, device, maxDevices) => {
      const limit = Number.isFinite(maxDevices) ? maxDevices : -1;
      const call = store as unknown as RegisterCommand;
      const kept = await call.wiotpRegister(devicesKey, key, JSON.stringify(device), String(limit));
      if (kept === null) return 'org-device-limit';
      return parseRegistered(kept) ?? device;
    },
    refuse: async (key, ms) => {
      await store.set(refusedKey(key), '1', 'PX', Math.max(1, Math.round(ms)));
    },
    refusedFor: async (key) => Math.max(0, await store.pttl(refusedKey(key))),
  };
  const dmKey = `wiotp:${orgId}:dm`;
  return {
    mq,
    persistence: persistence({ conn: store }),
    registry,
    dmStates: {
      save: async (key, state) => {
        await store.hset(dmKey, key, state);
      },
      load: async () => Object.values(await store.hgetall(dmKey)),
    },
    target,
    get reachable() {
      return away.size === 0;
    },
    onOutage: (listener) => outageListeners.push(listener),
    // The emitter's two are ended by the broker's close already, unless the broker never started.
    close: async () => {
      await Promise.all(connections.map(end));
    },
  };
}

/** QUIT where Redis answers (what was sent first is answered first), else drops the connection. */
async function end(connection: Redis): Promise<void> {
  if (connection.status === 'end') return;
  if (connection.status === 'ready') await connection.quit().catch(() => drop(connection));
  else drop(connection);
}

/** Drops a connection; a TLS socket dropped mid-handshake may yet get the server's alert, heard here rather than thrown. */
function drop(connection: Redis): void {
  (connection as unknown as { stream?: EventEmitter }).stream?.on('error', () => undefined);
  connection.disconnect();
}

interface RegisterCommand {
  wiotpRegister(key: string, field: string, value: string, limit: string): Promise<string | null>;
}

/** A registry entry as stored; one that does not parse (another version wrote it) reads as unknown. */
function parseRegistered(text: string | null): RegisteredDevice | undefined {
  if (text === null) return undefined;
  try {
    const value = JSON.parse(text) as Partial<RegisteredDevice>;
    if (typeof value.typeId === 'string' && typeof value.deviceId === 'string' && typeof value.registeredAt === 'string') {
      return value as RegisteredDevice;
    }
  } catch {
    // falls through
  }
  return undefined;
}
