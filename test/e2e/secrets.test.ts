import { afterEach, describe, expect, it } from 'vitest';
import type { EmbeddedPlatform } from '../../src/platform/platform.js';
import { GatewaySession } from '../../src/session/gateway-session.js';
import { capturingLogger } from '../support/logger.js';
import { GATEWAY, ORG, startPlatform } from '../support/platform.js';

let platform: EmbeddedPlatform | undefined;
afterEach(async () => {
  await platform?.close();
  platform = undefined;
});

describe('secrets', () => {
  it('never logs the gateway token, at any level, whether it is right or wrong', async () => {
    const { lines, logger } = capturingLogger();
    platform = await startPlatform({ logger });
    const port = Number(platform.url().split(':').pop());
    for (const token of [GATEWAY.token, 'WRONG-SECRET-TOKEN-42']) {
      const session = new GatewaySession(
        {
          orgId: ORG,
          gateway: GATEWAY,
          token,
          transport: 'tcp',
          host: '127.0.0.1',
          port,
          reconnect: { initialMs: 60_000, maxMs: 60_000 },
        },
        logger,
      );
      await session.start().catch(() => undefined);
      await session.close();
    }
    const all = lines.join('\n');
    expect(all).toMatch(/gateway session online/);
    expect(all).toMatch(/connection refused/);
    expect(all).not.toContain(GATEWAY.token);
    expect(all).not.toContain('WRONG-SECRET-TOKEN-42');
    // Redaction also covers a token passed by mistake in a log object.
    logger.info({ token: 'X-SECRET', options: { password: 'Y-SECRET' } }, 'oops');
    expect(lines.at(-1)).not.toMatch(/X-SECRET|Y-SECRET/);
  });
});
