/**
 * LEGION as a generation controller (paper section 4.2; upstream {@code scripts/refine/regenerator.py} and
 * {@code inpainter.py}): the regeneration loop (Eq. 5, prompt revision from a memory bank of explanations) and the
 * inpainting loop (Eq. 6, region-by-region inpainting composited so that pixels outside the dilated masks never
 * change).
 *
 * <p>Entry point: {@link ai.legion.refine.Refiner}. The loops see LEGION only through
 * {@link ai.legion.refine.ArtifactSource} (which {@code LegionAnalyzer::analyze} satisfies) and the
 * generators through {@link ai.legion.refine.ImageGenerator} and
 * {@link ai.legion.refine.Inpainter}; HTTP adapters for AUTOMATIC1111/Forge, ComfyUI and
 * OpenAI-compatible servers live in {@link ai.legion.refine.server}. Nothing else in the model code
 * depends on this package. The output layout is documented in {@code docs/REFINE.md}.
 */
package ai.legion.refine;
