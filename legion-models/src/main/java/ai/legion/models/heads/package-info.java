/**
 * LEGION's small heads, with parameters under their upstream state-dict names: the vision-language
 * projector {@code mm_projector} (SPEC §2.2), the [SEG] projection {@code text_hidden_fcs} (§2.6) and
 * the stage-2 real/fake {@code prediction_head} (§2.7).
 */
package ai.legion.models.heads;
