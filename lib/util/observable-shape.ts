import type { InteropObservable } from 'rxjs';

/** RxJS's interop key: `Symbol.observable` where the platform has it, else `'@@observable'`. */
const observableKey: PropertyKey = (Symbol as { observable?: symbol }).observable ?? '@@observable';

/**
 * Whether a value is an Observable of any RxJS copy or version (or any other interop
 * Observable), told by the shape `from()` itself subscribes to: a `Symbol.observable` method.
 * Never `instanceof`: applications often hold a second copy of RxJS, and RxJS 8's Observables
 * are also async-iterable, so neither class identity nor `Symbol.asyncIterator` tells them apart.
 */
export function isObservableLike<T>(value: unknown): value is InteropObservable<T> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as Record<PropertyKey, unknown>)[observableKey] === 'function'
  );
}
