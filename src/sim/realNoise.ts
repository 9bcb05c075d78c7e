import type { NoiseSummary } from './noiseStats.js';

/**
 * Noise statistics of the real AutoCheckout recording cps-test-01 (all 294 mapped plates, 34 s),
 * percentiles over plates as in `SUMMARY_PERCENTILES`. Computed by `plateNoiseStats`; a test
 * recomputes them from ../shared/datasets when it is there. The drift and wander maxima are the
 * plates a shopper took from.
 */
export const REAL_NOISE_CPS_TEST_01: NoiseSummary = {
  plates: 294,
  noise: [0.2527, 0.5053, 0.5053, 0.7579, 1.0106, 2.2739, 7.8322],
  drift30s: [0, 0, 0, 0.2402, 0.241, 0.964, 562.1324],
  wander: [0.1205, 0.3615, 0.482, 0.723, 1.3255, 3.7114, 563.217],
  spikesPerMin: [0, 0, 3.5503, 7.1006, 12.5, 19.1071, 53.2544],
  step: [0.2402, 0.241, 0.241, 0.241, 0.241, 0.241, 0.2422],
};
