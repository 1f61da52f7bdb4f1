// @ts-check
/**
 * Runs once before jest starts its workers: names this run, so that spec/support/build-once.ts
 * builds dist/ once for all the specs that need it (the workers inherit the environment).
 */
module.exports = () => {
  process.env.RXTLS_JEST_RUN = `${process.pid}-${Date.now()}`;
};
