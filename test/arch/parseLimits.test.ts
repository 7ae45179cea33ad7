/** Architecture strings at the edges (found by test/fuzz/arch.test.ts): deep nesting, inexact sizes, -0. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError, ResourceError } from '../../src/errors.js';
import { formatArch, MAX_ARCH_NESTING, parseArch } from '../../src/arch/parse.js';
import { buildNetwork } from '../../src/nn/index.js';

describe('architecture strings at the edges', () => {
  it('refuses combinators nested beyond MAX_ARCH_NESTING (a RangeError from the stack before)', () => {
    const nest = (k: number) => `dense(4),${'residual('.repeat(k)}relu,dense(4)${')'.repeat(k)}`;
    assert.equal(parseArch(nest(MAX_ARCH_NESTING)).length, 2);
    for (const k of [MAX_ARCH_NESTING + 1, 20000]) {
      assert.throws(
        () => parseArch(nest(k)),
        (e: unknown) => e instanceof InvalidArgumentError && /nested more than 64 deep/.test(e.message),
      );
    }
  });

  it('refuses layer sizes a double cannot hold exactly (a θ length of Infinity before)', () => {
    for (const s of ['dense(1e308),relu,dense(1)', 'dense(9007199254740993)', 'conv(1e20,3)'])
      assert.throws(
        () => parseArch(s),
        (e: unknown) => e instanceof InvalidArgumentError && /2\^53/.test(e.message),
      );
    // sizes that parse but multiply beyond 2^53 parameters
    assert.throws(
      () => buildNetwork('dense(4503599627370496),relu,dense(4503599627370496)', [3]),
      // the memory error init gives, raised by buildNetwork already: no θ of 2^104 entries can exist
      (e: unknown) => e instanceof ResourceError && /^arch: the network needs a parameter vector θ of /.test(e.message),
    );
  });

  it('reads -0 as 0, so that formatArch round-trips', () => {
    for (const s of ['dense(2,wstd=-0)', 'abrelu(-0,1)', 'dense(2,bstd=-0)']) {
      const a = parseArch(s);
      assert.deepStrictEqual(parseArch(formatArch(a)), a);
    }
  });
});
