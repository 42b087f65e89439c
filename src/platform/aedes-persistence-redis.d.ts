// aedes-persistence-redis ships no types: only what src/platform/cluster.ts uses.
declare module 'aedes-persistence-redis' {
  import type { Redis } from 'ioredis';

  interface RedisPersistence {
    setup(broker: unknown): Promise<void>;
    destroy(callback?: () => void): Promise<void>;
  }
  function persistence(options: { conn: Redis; maxSessionDelivery?: number }): RedisPersistence;
  export = persistence;
}
