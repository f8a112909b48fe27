/**
 * A linear probe of a vision tower ({@link ai.legion.eval.probe.VisionProbe}): how well a ridge regression on the
 * tower's image tokens tells which object types a scars-sim scene contains, against answering the majority. The
 * LLM can only name what its input carries, so a tower is worth a stage-1 run only when this probe is well above
 * the baseline (docs/TRAINING.md).
 */
package ai.legion.eval.probe;
