// The layer rules of ../shared/DESIGN.md ("Layers and folders"), checked by `npm run lint:layers` in `npm test`.
// A rule names what a folder may NOT import; each message says which rule and why.
// Deliberate differences from DESIGN.md (see the README's Development section):
// - the shared basics (src/result.ts, src/backoff.ts, src/logging.ts, src/package-root.ts, src/rx.ts, src/timeout.ts,
//   src/clock.ts, src/security/) may be
//   used by every layer;
// - src/pipeline/gateway.ts is the daemon's composition root: it alone may import src/http values;
// - src/index.ts (the library), src/testing/ (the plugin test kit) and src/cli/ are entry points: they import anything;
// - adapters may import src/config values (a BLE adapter parses its options with the config schema);
// - the console (src/console/) may import src/config/param-rules.ts, pure, so form and gateway check params alike, and
//   src/store/queued-event.ts's pure wording of the queue's state, so the console says it as `status` and /readyz do.
const BASICS = '^src/(result|backoff|logging|package-root|rx|timeout|clock)[.]ts$|^src/security/';

/** A rule: files matching `from` may import nothing matching `to`, except what `allowed` matches. */
function only(name, comment, from, allowed, extra = {}) {
  return {
    name,
    comment,
    severity: 'error',
    from: { path: from, ...extra.from },
    to: { path: '^(src|adapters)/', pathNot: [allowed, BASICS, '^node_modules'].filter(Boolean), ...extra.to },
  };
}

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'A circle between modules hides which one is the lower layer.',
      severity: 'error',
      from: {},
      // Through value imports: a type-only edge (a codec naming the spec union it is part of) is no circle at run time.
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    only('protocol-is-pure', 'src/protocol holds the Watson IoT rules as pure functions: nothing of ours.', '^src/protocol/', '^src/protocol/'),
    only('codecs-are-pure', 'src/codecs is pure byte code: nothing of ours.', '^src/codecs/', '^src/codecs/'),
    only('config-below-pipeline', 'src/config may use protocol and codecs only.', '^src/config/', '^src/(config|protocol|codecs)/'),
    only('session-knows-mqtt-only', 'The session knows MQTT, never serial, BLE or the pipeline.', '^src/session/', '^src/(session|protocol)/'),
    only('store-stands-alone', 'The durable queue depends on nothing of ours but types.', '^src/store/', '^src/store/'),
    only(
      'platform-is-the-service',
      'The embedded platform enforces the service rules: protocol only, never the gateway side.',
      '^src/platform/',
      '^src/(platform|protocol)/',
    ),
    only(
      'adapters-know-bytes',
      'An adapter knows bytes and devices, never MQTT: the plugin door, codecs and config.',
      '^adapters/',
      '^adapters/|^src/(adapter[.]ts|codecs/|config/)',
    ),
    only(
      'plugin-door-is-types',
      'src/adapter.ts is the plugin contract: types only.',
      '^src/adapter[.]ts$',
      '^src/adapter[.]ts$',
      { to: { dependencyTypesNot: ['type-only'] } },
    ),
    only(
      'http-reads-a-view',
      'The local HTTP server reads a GatewayView: pipeline types only, and no session, store or adapters.',
      '^src/http/',
      '^src/(http|protocol|config)/',
      { to: { dependencyTypesNot: ['type-only'] } },
    ),
    only(
      'plugin-host-hosts-adapters',
      'The plugin host runs an adapter in a worker: the contract, config, and the adapter factory.',
      '^src/plugin-host/',
      '^src/(plugin-host/|adapter[.]ts|config/|pipeline/(adapter-factory|channel-board)[.]ts)',
    ),
    only(
      'pipeline-below-the-entry-points',
      'The pipeline wires the layers below it; only its composition root (gateway.ts) builds the HTTP server.',
      '^src/pipeline/',
      '^src/(pipeline|protocol|codecs|config|session|store|plugin-host)/|^src/adapter[.]ts$',
      { from: { pathNot: '^src/pipeline/gateway[.]ts$' }, to: { dependencyTypesNot: ['type-only'] } },
    ),
    only(
      'console-is-a-front-end',
      "The console front-end imports nothing of the back end but shared types, the pure param rules and the queue's wording.",
      '^src/console/',
      '^src/console/|^src/config/param-rules[.]ts$|^src/store/queued-event[.]ts$',
      { to: { dependencyTypesNot: ['type-only'] } },
    ),
    {
      name: 'nothing-imports-the-cli',
      comment: 'The CLI is the top: only entry points (the CLI, the library index, the test kit) import it.',
      severity: 'error',
      from: { pathNot: '^src/(cli/|index[.]ts|testing/)' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'examples-use-the-package',
      comment: 'An example plugin is written as a plugin author would: against the package name, never ../src.',
      severity: 'error',
      from: { path: '^examples/' },
      to: { path: '^(src|adapters)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules|test|bench|scripts)/|[.]test[.]ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
