// @ts-check
/**
 * The layers of lib/, as ARCHITECTURE.md draws them: each may import the ones below it and
 * nothing above. `npm test` runs this check (npm run lint:deps); an upward import fails it.
 */
const MODEL = 'lib/(events|errors|defaults|outbound)\\.ts$';

/** Each room of the house, with the rooms it may import from besides itself and the model. */
const LAYERS = {
  util: [],
  transport: ['util'],
  framing: ['util'],
  certificates: ['util'],
  policies: ['util', 'certificates'],
  diagnostics: ['util', 'certificates'],
  operators: ['util', 'framing', 'certificates', 'policies'],
  client: ['util', 'transport', 'certificates', 'policies', 'diagnostics', 'operators'],
  server: ['util', 'transport', 'certificates', 'policies', 'diagnostics', 'operators'],
  websocket: ['util', 'transport', 'certificates', 'policies', 'diagnostics', 'operators', 'client'],
  gateway: ['util', 'transport', 'certificates', 'policies', 'diagnostics', 'operators', 'client', 'server', 'websocket'],
  testing: ['util', 'transport', 'framing', 'certificates', 'policies', 'diagnostics', 'operators', 'client', 'server'],
  otel: ['util'],
  cli: ['util', 'transport', 'framing', 'certificates', 'policies', 'diagnostics', 'operators', 'client', 'server', 'websocket', 'gateway'],
};

const layerRules = Object.entries(LAYERS).map(([layer, below]) => ({
  name: `${layer}-imports-only-below`,
  comment: `lib/${layer}/ may import lib/{${below.join(',')}}/ and the model, nothing above (ARCHITECTURE.md)`,
  severity: 'error',
  from: { path: `^lib/${layer}/` },
  to: { path: '^lib/', pathNot: [`^lib/(${[layer, ...below].join('|')})/`, `^${MODEL}`] },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'model-imports-only-model',
      comment: 'the event model, errors, defaults and outbound commands depend on nothing else of lib/',
      severity: 'error',
      from: { path: `^${MODEL}` },
      to: { path: '^lib/', pathNot: `^${MODEL}` },
    },
    {
      name: 'nothing-imports-an-entry-point',
      comment: 'lib/index.ts and lib/browser.ts re-export; the code they export must not import them back',
      severity: 'error',
      from: { path: '^lib/' },
      to: { path: '^lib/(index|browser)\\.ts$' },
    },
    {
      name: 'no-circular',
      comment: 'no import circles, type-only ones included',
      severity: 'error',
      from: { path: '^lib/' },
      to: { circular: true },
    },
    {
      name: 'lib-has-no-loose-files',
      comment: 'the top of lib/ holds only the entry points and the model',
      severity: 'error',
      from: { path: '^lib/[^/]+\\.ts$', pathNot: [`^${MODEL}`, '^lib/(index|browser)\\.ts$'] },
      to: {},
    },
    {
      name: 'lib-uses-only-runtime-dependencies',
      comment: 'lib/ imports only dependencies and peer dependencies: what users install with it',
      severity: 'error',
      from: { path: '^lib/' },
      to: { dependencyTypes: ['npm-dev', 'npm-optional', 'npm-no-pkg', 'npm-unknown', 'unknown'], dependencyTypesNot: ['npm-peer'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(spec|examples|tools|bench|dist|docs)/' },
  },
};
