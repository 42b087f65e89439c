import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtInCatalog } from '../../src/cli/adapter-catalog.js';
import { type GatewayConfig, gatewayConfigSchema } from '../../src/config/gateway-config.js';
import { loadProfiles } from '../../src/config/load.js';
import { silentLogger } from '../../src/logging.js';
import { type RunningGateway, startGateway } from '../../src/pipeline/gateway.js';
import { GATEWAY, ORG } from './platform.js';

/** A gateway config pointing at a local platform port, with the given adapters; its queue in a fresh temp dir. */
export function testGatewayConfig(port: number, adapters: unknown[], extra: Record<string, unknown> = {}): GatewayConfig {
  return gatewayConfigSchema.parse({
    store: { path: mkdtempSync(join(tmpdir(), 'wiotp-store-')) },
    // Tests run side by side: no fixed port. A test that wants the HTTP server passes http itself.
    http: false,
    org: ORG,
    gateway: { typeId: GATEWAY.typeId, deviceId: GATEWAY.deviceId },
    auth: { token: GATEWAY.token },
    connection: { transport: 'tcp', host: '127.0.0.1', port, reconnect: { initialMs: 50, maxMs: 500 } },
    adapters,
    ...extra,
  });
}

/** Starts the real gateway (session, adapters, pipeline) and waits until its session is online. */
export async function startTestGateway(
  port: number,
  adapters: unknown[],
  extra: Record<string, unknown> = {},
): Promise<RunningGateway> {
  const config = testGatewayConfig(port, adapters, extra);
  // As `run` does: the built-in profiles and any the config's profilePaths name.
  const profiles = loadProfiles(config.profilePaths);
  if (!profiles.ok) throw new Error(profiles.reason);
  const gateway = await startGateway({
    config,
    token: GATEWAY.token,
    profiles: profiles.value,
    catalog: builtInCatalog(),
    logger: silentLogger(),
    httpToken: config.http ? config.http.token : undefined,
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('gateway session not online within 5 s')), 5000);
    const subscription = gateway.session.status$.subscribe((status) => {
      if (status.state !== 'online') return;
      clearTimeout(timer);
      queueMicrotask(() => subscription.unsubscribe());
      resolve();
    });
  });
  const close = gateway.close.bind(gateway);
  gateway.close = async () => {
    await close();
    if (config.store.path) rmSync(config.store.path, { recursive: true, force: true });
  };
  return gateway;
}
