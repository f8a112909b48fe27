/**
 * The pixel decoder D of LEGION (SPEC §2.5, §5 "Masks"): SAM's prompt encoder with LEGION's
 * {@code text_embeds}, the two-way-transformer mask decoder, and mask post-processing.
 */
package ai.legion.models.decoder;
