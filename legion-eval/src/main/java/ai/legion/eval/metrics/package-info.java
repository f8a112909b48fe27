/**
 * LEGION's evaluation metrics (paper Tables 2, 3, 5 and 10), each a documented function that reproduces the upstream
 * reference: localization ({@link ai.legion.eval.metrics.LocalizationMetrics} per image,
 * {@link ai.legion.eval.metrics.LocalizationAccumulator} over a run, OpenCV nearest resizing in
 * {@link ai.legion.eval.metrics.MaskResize}), explanation ({@link ai.legion.core.text.RougeL} with NLTK's
 * {@link ai.legion.core.text.PorterStemmer}, in legion-core so that scars-sim's baseline uses the same code)
 * and detection ({@link ai.legion.eval.metrics.DetectionMetrics},
 * {@link ai.legion.eval.metrics.DetectionAccumulator}). ND4J is the host-side array layer where whole runs
 * are processed at once (per-image metric vectors, group means, score sorting).
 */
package ai.legion.eval.metrics;
