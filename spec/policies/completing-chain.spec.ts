import { X509Certificate } from 'node:crypto';
import type { CompletedChain, CompleteChainOptions } from '../../lib/certificates/chain-completion';
import { summarize } from '../../lib/certificates/peer-info';
import { InvalidOptionError } from '../../lib/errors';
import type { CertError, HandshakeFacts } from '../../lib/events';
import { completingChain, type CompletingChainOptions } from '../../lib/policies/completing-chain';
import { custom } from '../../lib/policies/custom';
import { strict } from '../../lib/policies/strict';
import { createTestPki, fakePeer, type TestPki } from '../../lib/testing';

/**
 * completingChain()'s own logic, with completeChain() faked: when it tries to complete a chain,
 * what it hands completeChain(), and how the inner policy judges the result. Completion itself
 * (fetching caIssuers, verifying) is tested over TLS in spec/certificates/chain-completion-over-tls.spec.ts.
 */
const mockState = {
  /** What completeChain() was asked. */
  calls: [] as Array<[readonly string[], CompleteChainOptions | undefined]>,
  /** What it answers. */
  result: undefined as CompletedChain | undefined,
};
jest.mock('../../lib/certificates/chain-completion', () => ({
  ...jest.requireActual('../../lib/certificates/chain-completion'),
  completeChain: (chain: readonly string[], options?: CompleteChainOptions) => {
    mockState.calls.push([chain, options]);
    return Promise.resolve(mockState.result);
  },
}));

let pki: TestPki;
let leaf: string;
let intermediate: string;
beforeAll(async () => {
  pki = await createTestPki();
  leaf = (await pki.leaf({ names: ['leaf.test'] })).cert;
  intermediate = (await pki.leaf({ names: ['inter.test'], ca: true })).cert;
});
beforeEach(() => {
  mockState.calls.length = 0;
  mockState.result = undefined;
});

const missingIssuer: CertError = { code: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', reason: 'unable to get local issuer certificate' };
const wrongName: CertError = { code: 'ERR_TLS_CERT_ALTNAME_INVALID', reason: "Hostname/IP does not match certificate's altnames" };
const failed: CertError = { code: 'CHAIN_COMPLETION_FAILED', reason: 'no caIssuers URL in CN=leaf.test' };
const factsOf = (problems: CertError[], extra: Partial<HandshakeFacts> = {}): HandshakeFacts => {
  const chain = [summarize(new X509Certificate(leaf))];
  return { peer: fakePeer({ ...chain[0], chain }), problems, ...extra };
};
const completed = (): CompletedChain => ({
  ok: true,
  chain: [leaf, intermediate, pki.ca.cert],
  fetched: [{ url: 'http://ca.test/inter.cer', pem: intermediate }],
});

describe('completingChain() options', () => {
  it.each([
    [null, 'options', 'must be an object'],
    [3, 'options', 'must be an object'],
    [{ policy: 'strict' }, 'policy', 'must be a verification policy such as strict()'],
  ])('refuses %j, naming %s: %s', (options, option, problem) => {
    let error: InvalidOptionError | undefined;
    try {
      completingChain(options as CompletingChainOptions);
    } catch (e) {
      error = e as InvalidOptionError;
    }
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error?.option).toBe(option);
    expect(error?.message.startsWith(`option "${option}" ${problem} (got `)).toBe(true);
  });

  it('is named after its policy, and trusts what it trusts', () => {
    expect(completingChain().name).toBe('completingChain(strict)');
    expect(completingChain({ policy: custom(() => true, 'ours') }).name).toBe('completingChain(ours)');
    expect('trust' in completingChain()).toBe(false);
    expect(completingChain({ policy: strict({ ca: 'PEM' }) }).trust).toBe('PEM');
  });
});

describe('completingChain() judging', () => {
  it('a chain that lacks nothing is judged as it is, with nothing fetched', async () => {
    expect(await completingChain().check(factsOf([]))).toEqual([]);
    expect(await completingChain().check(factsOf([wrongName]))).toEqual([wrongName]);
    expect(mockState.calls).toEqual([]);
  });

  it.each(['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'])(
    'completes a chain OpenSSL calls %s, whatever else is wrong with it',
    async (code) => {
      mockState.result = completed();
      const facts = factsOf([wrongName, { code, reason: 'incomplete' }]);
      // The chain is complete now; the name is still wrong.
      expect(await completingChain().check(facts)).toEqual([wrongName]);
      expect(mockState.calls).toHaveLength(1);
    },
  );

  it('hands completeChain() the presented chain, and the trust anchors and fetch limits only when there are some', async () => {
    mockState.result = completed();
    await completingChain().check(factsOf([missingIssuer]));
    await completingChain({ fetch: { timeoutMs: 500 } }).check(factsOf([missingIssuer], { trustAnchors: () => [pki.ca.cert] }));
    expect(mockState.calls).toStrictEqual([
      [[leaf], {}],
      [[leaf], { anchors: [pki.ca.cert], fetch: { timeoutMs: 500 } }],
    ]);
  });

  it('records what it fetched and the completed chain on the peer', async () => {
    mockState.result = completed();
    const facts = factsOf([missingIssuer]);
    expect(await completingChain().check(facts)).toEqual([]);
    expect(facts.peer.chainCompletion).toStrictEqual({
      fetched: [{ ...summarize(new X509Certificate(intermediate)), url: 'http://ca.test/inter.cer' }],
      chain: [leaf, intermediate, pki.ca.cert].map((pem) => summarize(new X509Certificate(pem))),
    });
  });

  it('when completion fails, the problems stay and CHAIN_COMPLETION_FAILED says why', async () => {
    mockState.result = { ok: false, problem: failed, fetched: [] };
    const facts = factsOf([missingIssuer]);
    expect(await completingChain().check(facts)).toStrictEqual([missingIssuer, { ...failed, certificate: 'CN=leaf.test' }]);
    expect(facts.peer.chainCompletion).toBeUndefined();
  });

  it('when completion fails but the policy accepts the chain anyway, nothing is added', async () => {
    mockState.result = { ok: false, problem: failed, fetched: [] };
    expect(await completingChain({ policy: custom(() => true, 'lenient') }).check(factsOf([missingIssuer]))).toEqual([]);
  });
});
