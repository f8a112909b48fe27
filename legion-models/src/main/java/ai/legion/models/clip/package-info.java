/**
 * The global image encoder E_g: HF {@code CLIPVisionModel} (transformers 4.28
 * {@code models/clip/modeling_clip.py}), with parameters under the upstream state-dict names below
 * {@code vision_model.}; LLaVA's {@code CLIPVisionTower.feature_select} picks the LLM's image tokens.
 *
 * <p>{@link ai.legion.models.clip.GlobalImageEncoder} is the whole tower; its children are
 * {@link ai.legion.models.clip.ClipVisionEmbeddings} and one
 * {@link ai.legion.models.clip.ClipEncoderLayer} per layer (each with a
 * {@link ai.legion.models.clip.ClipAttention} and a {@code CLIPMLP} {@link ai.legion.models.nn.Mlp}).
 */
package ai.legion.models.clip;
