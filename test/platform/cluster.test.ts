import { describe, expect, it } from 'vitest';
import { describeRedisUrl } from '../../src/platform/cluster.js';

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
