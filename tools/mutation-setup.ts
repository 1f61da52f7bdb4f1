import fc from 'fast-check';

// A mutation run only asks whether a test fails: a failing property stops at its first
// counterexample instead of spending seconds shrinking it.
fc.configureGlobal({ endOnFailure: true });
