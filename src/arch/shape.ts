/** Per-example shapes: `[d]` flat, `[h, w, c]` NHWC images. */
import type { Shape } from './types.js';

export const size = (s: Shape): number => s.reduce((a, b) => a * b, 1);
export const showShape = (s: Shape): string => (s.length === 1 ? `flat (${s[0]})` : `image ${s.join('×')} (h×w×c)`);
