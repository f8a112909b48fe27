package ai.legion.models.vision;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.legion.models.nn.StateDictBlock;
import java.util.function.Predicate;

/**
 * The global image encoder E_g as LEGION uses it (LLaVA {@code model/llava/model/multimodal_encoder/
 * clip_encoder.py::CLIPVisionTower}): one run up to the selected layer gives the image tokens the LLM reads
 * ({@code feature_select}) and the CLS token the detection head reads.
 *
 * <p>Implementations are DJL blocks whose parameters carry the upstream state-dict names; they are picked by
 * the vision config's {@code model_type} through {@code ai.legion.models.loading.Architectures}.
 */
public interface VisionTower extends Block, StateDictBlock {

    /**
     * What LEGION takes from one run of the tower.
     *
     * @param tokens {@code [B, N, C]} selected features ({@code hidden_states[select_layer]}, CLS dropped for
     *     {@code "patch"})
     * @param cls {@code [B, C]} the CLS token of {@code hidden_states[select_layer]} (no post norm)
     */
    record Features(NDArray tokens, NDArray cls) {}

    /**
     * Runs the tower as far as {@code selectLayer} needs.
     *
     * @param pixels normalized images {@code [B, 3, S, S]}, {@code S = imageSize()}
     * @param selectLayer Python index into the {@code L + 1} hidden states ({@code mm_vision_select_layer})
     * @param selectFeature {@code "patch"} or {@code "cls_patch"} ({@code mm_vision_select_feature})
     */
    Features features(ParameterStore ps, NDArray pixels, int selectLayer, String selectFeature, boolean training);

    /** Width of the features ({@code mm_hidden_size} of the LEGION config). */
    int hiddenSize();

    /** Side of the square input. */
    int imageSize();

    /**
     * Keys of this tower's own checkpoints that are not its parameters (HF's
     * {@code _keys_to_ignore_on_load_unexpected}; CLIP: {@code position_ids} buffers, a full CLIPModel's text tower).
     */
    default Predicate<String> unusedCheckpointKeys() {
        return key -> false;
    }

    /** Image tokens per image for a select feature (576 patches for CLIP-L/14-336 with {@code "patch"}). */
    int numImageTokens(String selectFeature);
}
