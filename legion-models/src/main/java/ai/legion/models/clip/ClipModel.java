package ai.legion.models.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.legion.core.config.ClipConfig;
import ai.legion.models.nn.Init;
import ai.legion.models.nn.LegionBlock;
import ai.legion.models.nn.Linear;

/**
 * HF {@code CLIPModel} (transformers 4.28 {@code models/clip/modeling_clip.py}): the vision tower
 * ({@link GlobalImageEncoder}) and the text tower ({@link ClipTextTransformer}), each pooled and projected into a
 * shared space without bias, and the learnable log inverse temperature {@code logit_scale}. LEGION freezes a
 * pretrained CLIP's vision tower; this is the model that pretrains one.
 *
 * <p>Keys: {@code vision_model.*}, {@code text_model.*}, {@code visual_projection.weight [D, Cv]},
 * {@code text_projection.weight [D, Ct]}, {@code logit_scale []}.
 */
public final class ClipModel extends LegionBlock {

    /**
     * One forward of a batch of matching images and texts.
     *
     * @param imageEmbeds L2-normalized projected image features {@code [B, D]}
     * @param textEmbeds L2-normalized projected text features {@code [B, D]}
     * @param logitScale {@code exp(logit_scale)}, a scalar
     */
    public record Output(NDArray imageEmbeds, NDArray textEmbeds, NDArray logitScale) {

        /** {@code logits_per_text = scale · text · imageᵀ} {@code [B_text, B_image]}. */
        public NDArray logitsPerText() {
            return textEmbeds.matMul(imageEmbeds.transpose()).mul(logitScale);
        }
    }

    private final ClipConfig config;
    private final GlobalImageEncoder visionModel;
    private final ClipTextTransformer textModel;
    private final Linear visualProjection;
    private final Linear textProjection;
    private final Parameter logitScale;

    /** Declares both towers, the projections and {@code logit_scale}. */
    public ClipModel(ClipConfig config) {
        this.config = config;
        visionModel = child("vision_model", new GlobalImageEncoder(config.visionConfig()));
        textModel = child("text_model", new ClipTextTransformer(config.textConfig()));
        visualProjection = child("visual_projection",
                new Linear(config.visionConfig().hiddenSize(), config.projectionDim(), false));
        textProjection = child("text_projection",
                new Linear(config.textConfig().hiddenSize(), config.projectionDim(), false));
        logitScale = param("logit_scale", Init.constant((float) config.logitScaleInitValue()));
    }

    /**
     * Embeds a batch of images and texts ({@code CLIPModel.forward} without the loss).
     *
     * @param ps parameter store
     * @param pixelValues CLIP-normalized images {@code [B, 3, S, S]}
     * @param ids token ids {@code [B, T]} (see {@link ClipTextTransformer#pooled})
     * @param training whether gradients are being recorded
     */
    public Output forward(ParameterStore ps, NDArray pixelValues, NDArray ids, boolean training) {
        return forward(ps, visionModel.forward(ps, pixelValues, training), ids, training);
    }

    /**
     * {@link #forward(ParameterStore, NDArray, NDArray, boolean)} on a vision tower run the caller made, for
     * objectives that also read its hidden states.
     */
    public Output forward(ParameterStore ps, GlobalImageEncoder.Output vision, NDArray ids, boolean training) {
        NDArray image = visualProjection.forward(ps, vision.pooledOutput(), training);
        NDArray text = textProjection.forward(ps, textModel.pooled(ps, ids, training), training);
        return new Output(normalize(image), normalize(text), value(ps, logitScale, image, training).exp());
    }

    /** {@code x / ||x||} over the last axis, as HF's {@code x / x.norm(p=2, dim=-1, keepdim=True)}. */
    private static NDArray normalize(NDArray x) {
        return x.div(x.square().sum(new int[] {-1}, true).sqrt());
    }

    /** The config this model was built from. */
    public ClipConfig config() {
        return config;
    }

    /** The vision tower ({@code vision_model}). */
    public GlobalImageEncoder visionModel() {
        return visionModel;
    }

    /** The text tower ({@code text_model}). */
    public ClipTextTransformer textModel() {
        return textModel;
    }

    /** DJL form: {@code [pixel_values, input_ids]} → {@code [image_embeds, text_embeds, logit_scale.exp()]}. */
    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> p) {
        Output out = forward(ps, inputs.get(0), inputs.get(1), training);
        return new NDList(out.imageEmbeds(), out.textEmbeds(), out.logitScale());
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        long b = inputShapes[0].get(0);
        return new Shape[] {new Shape(b, config.projectionDim()), new Shape(b, config.projectionDim()), new Shape()};
    }
}
