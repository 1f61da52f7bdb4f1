// @ts-check
const { readdirSync } = require('node:fs');
const { join, relative } = require('node:path');

/**
 * What `npm run mutate` mutates, and with which specs. Each group is one Stryker run: Jest
 * loads every spec file of the run for every mutant (Stryker filters tests by name, not by
 * file), and each spec file loads the whole library, so a run with only the specs of its own
 * code is several times faster than one run with all of them.
 *
 * Unit specs first; loopback specs only where the behaviour is reachable only over a socket
 * (converse's writes, gracefulShutdown's close_notify, the certificate checks of a handshake).
 *
 * @type {ReadonlyArray<{ name: string, mutate: string[], specs: string[] }>}
 */
const MUTATION_GROUPS = [
  {
    name: 'framing',
    mutate: ['lib/framing/**/*.ts', 'lib/operators/lines.ts'],
    specs: ['spec/framing/**/*.spec.ts', 'spec/operators/lines*.spec.ts'],
  },
  {
    name: 'policies',
    mutate: ['lib/policies/**/*.ts', 'lib/operators/verify.ts'],
    // Policies judge fabricated facts (policies-over-tls.spec.ts only repeats them over TLS).
    specs: [
      'spec/policies/policies.spec.ts',
      'spec/policies/pin.spec.ts',
      'spec/policies/pin-mutants.spec.ts',
      'spec/policies/fingerprint.spec.ts',
      'spec/policies/fingerprint-mutants.spec.ts',
      'spec/policies/verdict.spec.ts',
      'spec/policies/policy-*.spec.ts',
      'spec/policies/trust-on-first-use*.spec.ts',
      'spec/operators/verify*.spec.ts',
      // revocation() and completingChain() with their CRL, OCSP and caIssuers sources faked.
      'spec/policies/revocation.spec.ts',
      'spec/policies/revocation-mutants.spec.ts',
      'spec/policies/completing-chain.spec.ts',
    ],
  },
  {
    name: 'dialogues',
    mutate: ['lib/operators/converse.ts', 'lib/operators/graceful-shutdown.ts'],
    specs: ['spec/operators/converse*.spec.ts', 'spec/operators/graceful-shutdown*.spec.ts'],
  },
  {
    // The rest of lib/operators: framing a stream, flow control, liveness, reconnecting and the
    // expiry warnings, all marble- or fake-tested (their -over-tls specs repeat them over sockets).
    name: 'operators',
    mutate: [
      'lib/operators/frames.ts',
      'lib/operators/handle-each.ts',
      'lib/operators/heartbeat.ts',
      'lib/operators/reconnect.ts',
      'lib/operators/expiry-warnings.ts',
    ],
    specs: [
      'spec/operators/frames.spec.ts',
      'spec/operators/handle-each.spec.ts',
      'spec/operators/heartbeat.spec.ts',
      'spec/operators/reconnect.spec.ts',
      'spec/operators/expiry-warnings.spec.ts',
      'spec/operators/operator-options.spec.ts',
    ],
  },
  {
    name: 'certificates',
    mutate: ['lib/certificates/certificate-checks.ts'],
    specs: ['spec/certificates/certificate-checks*.spec.ts', 'spec/security/certificate-matrix.spec.ts'],
  },
  {
    // The error catalogue's classes and messages. spec/errors-catalogue.spec.ts is not here: it
    // reads lib/'s source text, which Stryker instruments, so its initial run fails.
    name: 'errors',
    mutate: ['lib/errors.ts'],
    specs: ['spec/errors.spec.ts'],
  },
];

// The repository's files and Stryker's globs over them: which spec files a group runs.
const root = join(__dirname, '..');

/** Every file under `folder` of the repository, as repository-relative paths with `/`. @param {string} folder */
function filesUnder(folder) {
  return readdirSync(join(root, folder), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)).split('\\').join('/'));
}

/** Whether `file` matches `glob` as Stryker reads it: `**` for any folders, `*` within a name. @param {string} glob @param {string} file */
function matches(glob, file) {
  const pattern = glob
    .split('**/')
    .map((part) =>
      part
        .split('*')
        .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('[^/]*'),
    )
    .join('(?:.*/)?');
  return new RegExp(`^${pattern}$`).test(file);
}

/** Where a run's JSON report goes (not committed). @param {string} name */
const reportFile = (name) => `reports/mutation/${name}.json`;

/** Where a run keeps its results for incremental mode (committed: CI re-tests only what changed). @param {string} name */
const incrementalFile = (name) => `mutation-incremental/${name}.json`;

module.exports = { MUTATION_GROUPS, reportFile, incrementalFile, filesUnder, matches };
