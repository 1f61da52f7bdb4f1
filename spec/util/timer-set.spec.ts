import fc from 'fast-check';
import { timerSet } from '../../lib/util/timer-set';

describe('timerSet', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('fires each timer once, after its delay', () => {
    const timers = timerSet();
    const fired: string[] = [];
    timers.after(20, () => fired.push('b'));
    timers.after(10, () => fired.push('a'));
    jest.advanceTimersByTime(9);
    expect(fired).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(fired).toEqual(['a']);
    jest.advanceTimersByTime(100);
    expect(fired).toEqual(['a', 'b']);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('cancels one timer and leaves the others', () => {
    const timers = timerSet();
    const fired: string[] = [];
    const a = timers.after(10, () => fired.push('a'));
    timers.after(10, () => fired.push('b'));
    timers.cancel(a);
    jest.advanceTimersByTime(10);
    expect(fired).toEqual(['b']);
  });

  it('clears every pending timer, and a cleared set takes new ones', () => {
    const timers = timerSet();
    const fired: string[] = [];
    timers.after(10, () => fired.push('a'));
    timers.after(20, () => fired.push('b'));
    timers.clear();
    expect(jest.getTimerCount()).toBe(0);
    timers.after(5, () => fired.push('c'));
    jest.advanceTimersByTime(50);
    expect(fired).toEqual(['c']);
  });

  it('forgets a timer that fired: clear() then cancels only what is pending', () => {
    const timers = timerSet();
    const fired: string[] = [];
    const early = timers.after(1, () => fired.push('early'));
    timers.after(10, () => fired.push('late'));
    jest.advanceTimersByTime(1);
    timers.cancel(early); // already fired and removed: a no-op
    timers.clear();
    jest.advanceTimersByTime(50);
    expect(fired).toEqual(['early']);
  });

  it('ignores a timer it does not own', () => {
    const timers = timerSet();
    const fired: string[] = [];
    const foreign = setTimeout(() => fired.push('foreign'), 10);
    timers.after(10, () => fired.push('own'));
    timers.cancel(foreign); // clears it, as clearTimeout would, and keeps its own timer
    jest.advanceTimersByTime(10);
    expect(fired).toEqual(['own']);
  });

  it('fires exactly the timers neither cancelled nor cleared, in any order of operations', () => {
    type Op = { kind: 'after'; ms: number } | { kind: 'cancel'; which: number } | { kind: 'advance'; ms: number } | { kind: 'clear' };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant('after' as const), ms: fc.integer({ min: 0, max: 50 }) }),
      fc.record({ kind: fc.constant('cancel' as const), which: fc.nat(20) }),
      fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 30 }) }),
      fc.record({ kind: fc.constant('clear' as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
        jest.clearAllTimers();
        const timers = timerSet();
        const expected = new Set<number>();
        const actual = new Set<number>();
        const created: Array<{ handle: ReturnType<typeof setTimeout>; due: number; live: boolean }> = [];
        let now = 0;
        for (const step of ops) {
          if (step.kind === 'after') {
            const index = created.length;
            created.push({ handle: timers.after(step.ms, () => actual.add(index)), due: now + step.ms, live: true });
          } else if (step.kind === 'cancel') {
            const timer = created[step.which];
            if (timer) {
              timers.cancel(timer.handle);
              timer.live = false;
            }
          } else if (step.kind === 'clear') {
            timers.clear();
            for (const timer of created) timer.live = false;
          } else {
            now += step.ms;
            for (const [index, timer] of created.entries()) {
              if (!timer.live || timer.due > now) continue;
              timer.live = false;
              expected.add(index);
            }
            jest.advanceTimersByTime(step.ms);
          }
        }
        expect([...actual].sort()).toEqual([...expected].sort());
        timers.clear();
        expect(jest.getTimerCount()).toBe(0);
      }),
    );
  });
});
