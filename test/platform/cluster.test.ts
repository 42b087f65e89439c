import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logging.js';
import { describeRedisUrl, joinCluster } from '../../src/platform/cluster.js';

describe('describeRedisUrl', () => {
  it.each([
    ['redis://127.0.0.1:6379', 'redis://127.0.0.1:6379'],
    ['redis://:secret@127.0.0.1:6379/2', 'redis://127.0.0.1:6379/2'],
    ['rediss://user:secret@redis.lab:6380', 'rediss://redis.lab:6380'],
  ])('shows %s as %s: no user name, no password', (url, shown) => {
    expect(describeRedisUrl(url)).toBe(shown);
  });

  it.each([
    ['localhost:6379', 'got "localhost:6379"'],
    ['http://user:secret@127.0.0.1:6379', 'got "http://…@127.0.0.1:6379"'],
    ['', 'got ""'],
  ])('refuses %j, saying what it expected and never the password', (url, got) => {
    expect(() => describeRedisUrl(url)).toThrow(`expected redis://HOST:PORT or rediss://HOST:PORT, ${got}`);
  });
});

describe('joinCluster', () => {
  it('refuses a CA for a Redis without TLS before it connects anywhere', async () => {
    const joining = joinCluster({ redisUrl: 'redis://:secret@127.0.0.1:6379', ca: 'PEM' }, 'abc123', silentLogger());
    await expect(joining).rejects.toThrow(
      'cluster.ca: a CA is for a rediss:// Redis (TLS), and redis://127.0.0.1:6379 is not one',
    );
  });

  it('names the field of a URL it cannot use', async () => {
    const joining = joinCluster({ redisUrl: 'tcp://127.0.0.1:6379' }, 'abc123', silentLogger());
    await expect(joining).rejects.toThrow(
      'cluster.redisUrl: expected redis://HOST:PORT or rediss://HOST:PORT, got "tcp://127.0.0.1:6379"',
    );
  });
});
