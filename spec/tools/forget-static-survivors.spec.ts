// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS tool script
const { forgetStaticSurvivors } = require('../../tools/forget-static-survivors.js') as {
  forgetStaticSurvivors: (
    report: IncrementalReport,
    specs: ReadonlyMap<string, string>,
  ) => { report: IncrementalReport; forgotten: number };
};

interface IncrementalReport {
  files: Record<string, { mutants: Array<{ id: string; status: string; static?: boolean }> }>;
  testFiles?: Record<string, { source?: string }>;
}

const report = (): IncrementalReport => ({
  files: {
    'lib/a.ts': {
      mutants: [
        { id: '1', status: 'Survived', static: true },
        { id: '2', status: 'Killed', static: true },
        { id: '3', status: 'Survived', static: false },
        { id: '4', status: 'NoCoverage', static: true },
      ],
    },
    'lib/b.ts': { mutants: [{ id: '5', status: 'Timeout', static: true }] },
  },
  testFiles: { 'spec/a.spec.ts': { source: 'A' }, 'spec/gone.spec.ts': { source: 'G' } },
});
const ids = (r: IncrementalReport) => Object.values(r.files).flatMap((f) => f.mutants.map((m) => m.id));

describe('tools/forget-static-survivors.js', () => {
  it('keeps everything while the specs are the ones recorded (a removed spec does not count)', () => {
    const before = report();
    const { report: after, forgotten } = forgetStaticSurvivors(before, new Map([['spec/a.spec.ts', 'A']]));
    expect(forgotten).toBe(0);
    expect(after).toBe(before);
  });

  it.each([
    ['a spec changed', new Map([['spec/a.spec.ts', 'A2']])],
    [
      'a spec was added',
      new Map([
        ['spec/a.spec.ts', 'A'],
        ['spec/new.spec.ts', 'N'],
      ]),
    ],
  ])('when %s, forgets the static mutants that were not killed, and only those', (_, specs) => {
    const before = report();
    const { report: after, forgotten } = forgetStaticSurvivors(before, specs);
    expect(forgotten).toBe(3);
    expect(ids(after)).toEqual(['2', '3']);
    expect(after.testFiles).toEqual(before.testFiles);
    expect(ids(before)).toEqual(['1', '2', '3', '4', '5']); // the input is not changed
  });

  it('takes a report with no recorded specs as changed', () => {
    const { forgotten } = forgetStaticSurvivors({ files: report().files }, new Map([['spec/a.spec.ts', 'A']]));
    expect(forgotten).toBe(3);
  });
});
