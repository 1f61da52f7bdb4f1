// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS tool script
const { MUTATION_GROUPS, filesUnder, matches } = require('../../tools/mutation-groups.js') as {
  MUTATION_GROUPS: ReadonlyArray<{ name: string; mutate: string[]; specs: string[] }>;
  filesUnder: (folder: string) => string[];
  matches: (glob: string, file: string) => boolean;
};

// The pure core that issue 22 puts under mutation testing: a new file there must join a group.
const PURE_CORE = [
  ...['lib/framing', 'lib/operators', 'lib/policies'].flatMap(filesUnder),
  'lib/certificates/certificate-checks.ts',
  'lib/errors.ts',
];

describe('tools/mutation-groups.js', () => {
  it('mutates every file of the pure core, each in one group only', () => {
    const groupsOf = (file: string) => MUTATION_GROUPS.filter((g) => g.mutate.some((glob) => matches(glob, file))).map((g) => g.name);
    const unmutated = PURE_CORE.filter((file) => groupsOf(file).length === 0);
    const twice = PURE_CORE.filter((file) => groupsOf(file).length > 1);
    expect(unmutated).toEqual([]);
    expect(twice).toEqual([]);
  });

  it('names only globs that match a file, so a renamed spec or module cannot drop out silently', () => {
    const files = [...filesUnder('lib'), ...filesUnder('spec')];
    const empty = MUTATION_GROUPS.flatMap((g) =>
      [...g.mutate, ...g.specs].filter((glob) => !files.some((f) => matches(glob, f))).map((glob) => `${g.name}: ${glob}`),
    );
    expect(empty).toEqual([]);
  });

  it('the glob matcher reads ** and * as Stryker does', () => {
    expect(matches('lib/framing/**/*.ts', 'lib/framing/frame-decoder.ts')).toBe(true);
    expect(matches('lib/framing/**/*.ts', 'lib/framing/sub/x.ts')).toBe(true);
    expect(matches('lib/framing/**/*.ts', 'lib/framingx/x.ts')).toBe(false);
    expect(matches('spec/operators/lines*.spec.ts', 'spec/operators/lines-guards.spec.ts')).toBe(true);
    expect(matches('spec/operators/lines*.spec.ts', 'spec/operators/lines/x.spec.ts')).toBe(false);
    expect(matches('lib/errors.ts', 'lib/errorsXts')).toBe(false);
  });
});
