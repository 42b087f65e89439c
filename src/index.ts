// The package's public API (`import … from 'wiotp-gateway'`): the embedded platform and the gateway as a library.
// The adapter contract is `wiotp-gateway/adapter`, the plugin test kit `wiotp-gateway/testing`.

export type * from './adapter.js';
export { builtInCatalog, importPlugin, type PluginModule } from './cli/adapter-catalog.js';
export { type AdapterConfig, type GatewayConfig, gatewayConfigSchema } from './config/gateway-config.js';
export { loadGatewayConfig, loadProfile, loadProfiles, resolveToken } from './config/load.js';
export { type HardwareProfile, type HardwareProfileInput, hardwareProfileSchema } from './config/profile-schema.js';
export { createLogger, type Logger, silentLogger } from './logging.js';
export { type AdapterCatalog, type RunningGateway, startGateway } from './pipeline/gateway.js';
export type { ClusterOptions } from './platform/cluster.js';
export {
  type ApplicationCredentials,
  EmbeddedPlatform,
  type GatewayCredentials,
  type PlatformOptions,
  type ReceivedEvent,
  type SentNotification,
} from './platform/platform.js';
export * from './protocol/index.js';
export type { Result } from './result.js';
