/**
 * Grounding metrics for datasets that record each scene's objects and each artifact's object and kind
 * (scars-sim): object accuracy, kind accuracy and hallucination rate ({@link
 * ai.legion.eval.grounding.GroundingScorer}, {@link ai.legion.eval.grounding.GroundingSummary}). For datasets
 * without those facts they are not computed.
 */
package ai.legion.eval.grounding;
