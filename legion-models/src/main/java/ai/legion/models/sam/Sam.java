package ai.legion.models.sam;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.legion.core.config.SamConfig;
import ai.legion.models.decoder.MaskPostprocessor;
import ai.legion.models.decoder.PixelDecoder;
import ai.legion.models.grounding.GroundingModel;
import ai.legion.models.nn.LegionBlock;
import java.util.Objects;

/**
 * segment-anything's {@code Sam} ({@code modeling/sam.py}) as LEGION's {@code grounding_encoder}: the grounding
 * image encoder E_l ({@code image_encoder}, {@link GroundingImageEncoder}) and the pixel decoder D
 * ({@code prompt_encoder} + {@code mask_decoder}, {@link PixelDecoder}), prompted only with the projected
 * {@code [SEG]} states; {@code postprocess_masks} brings the low-resolution logits to the original size.
 *
 * <p>Keys (local): {@code image_encoder.*}, {@code prompt_encoder.*}, {@code mask_decoder.*}; inside a
 * GLaMM/LEGION checkpoint the prefix is {@code model.grounding_encoder.}.
 */
public final class Sam extends LegionBlock implements GroundingModel {

    private final SamConfig config;
    private final GroundingImageEncoder imageEncoder;
    private final PixelDecoder pixelDecoder;

    /** Declares the encoder and the decoder for {@code config}. */
    public Sam(SamConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        imageEncoder = child("image_encoder", new GroundingImageEncoder(config));
        pixelDecoder = inline("pixel_decoder", new PixelDecoder(config));
    }

    @Override
    public int imageSize() {
        return config.imageEncoder().imgSize();
    }

    @Override
    public int promptDim() {
        return config.promptEncoder().embedDim();
    }

    @Override
    public NDArray embed(ParameterStore ps, NDArray pixels, boolean training) {
        return imageEncoder.forward(ps, pixels, training);
    }

    @Override
    public Masks decode(ParameterStore ps, NDArray embedding, NDArray prompts, int[] resizedHw, int[] originalHw,
            boolean training) {
        NDArray lowRes = pixelDecoder.decode(ps, embedding, prompts, training);
        NDArray full = MaskPostprocessor.postprocess(lowRes, imageSize(), resizedHw, originalHw).squeeze(1);
        return new Masks(lowRes, full);
    }

    /** DJL form: {@code [pixels]} to {@code [image embeddings]}. */
    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(embed(ps, inputs.singletonOrThrow(), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return imageEncoder.getOutputShapes(inputShapes);
    }

    /** The SAM configuration. */
    public SamConfig config() {
        return config;
    }

    /** The grounding image encoder E_l. */
    public GroundingImageEncoder imageEncoder() {
        return imageEncoder;
    }

    /** The pixel decoder D. */
    public PixelDecoder pixelDecoder() {
        return pixelDecoder;
    }
}
