/**
 * The robustness sweep of the paper's Table 10: one evaluation repeated on clean images and under JPEG
 * compression, Gaussian noise and Gaussian blur ({@link ai.legion.eval.robust.RobustnessSuite}), compared as
 * degradation ratios perturbed / clean ({@link ai.legion.eval.robust.RobustnessTable}).
 */
package ai.legion.eval.robust;
