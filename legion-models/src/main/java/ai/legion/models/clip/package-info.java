/**
 * The global image encoder E_g: HF {@code CLIPVisionModel} (transformers 4.28 {@code modeling_clip.py}),
 * with parameters under the upstream state-dict names below {@code vision_model.} (SPEC §2.1).
 *
 * <p>{@link ai.legion.models.clip.GlobalImageEncoder} is the whole tower; its children are
 * {@link ai.legion.models.clip.ClipVisionEmbeddings} and one
 * {@link ai.legion.models.clip.ClipEncoderLayer} per layer (each with a
 * {@link ai.legion.models.clip.ClipAttention} and a {@link ai.legion.models.clip.ClipMlp}).
 */
package ai.legion.models.clip;
