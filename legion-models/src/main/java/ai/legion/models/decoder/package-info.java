/**
 * The pixel decoder D of LEGION: SAM's prompt encoder with LEGION's {@code text_embeds}, the
 * two-way-transformer mask decoder, and mask post-processing, as LEGION
 * {@code model/Legion.py::LegionForCausalLM._generate_and_postprocess_masks} calls them.
 */
package ai.legion.models.decoder;
