/**
 * The preset registry's contents: importing this module registers every preset. To add one, write
 * `presets/<name>.ts` exporting `definePreset({...})` and add one `registerPreset(...)` line here.
 */
import { registerPreset } from '../preset.js';
import { ceDivergencePreset } from './ceDivergence.js';
import { ceLazyRegimePreset } from './ceLazyRegime.js';
import { convergenceBoundsPreset } from './convergenceBounds.js';
import { ensembleVsGpPreset } from './ensembleVsGp.js';
import { generalizationBoundPreset } from './generalizationBound.js';
import { labelAlignmentPreset } from './labelAlignment.js';
import { minEigenvaluePreset } from './minEigenvalue.js';
import { spectrumDemo } from './spectrumDemo.js';

registerPreset(spectrumDemo);
registerPreset(labelAlignmentPreset);
registerPreset(minEigenvaluePreset);
registerPreset(convergenceBoundsPreset);
registerPreset(ceDivergencePreset);
registerPreset(generalizationBoundPreset);
registerPreset(ceLazyRegimePreset);
registerPreset(ensembleVsGpPreset);
