package ai.legion.models.sam;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.legion.core.config.ConfigException;
import ai.legion.core.config.SamConfig;
import ai.legion.models.nn.Init;
import ai.legion.models.nn.LayerStack;
import ai.legion.models.nn.LayerWeights;
import ai.legion.models.nn.Scopes;
import ai.legion.models.nn.UnaryBlock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * LEGION's grounding image encoder {@code E_l}: SAM's {@code ImageEncoderViT}
 * ({@code segment_anything/modeling/image_encoder.py}).
 *
 * <pre>
 * pixels [B,3,S,S] → PatchEmbed → [B,g,g,E] (+ pos_embed [1,g,g,E]) → blocks.0..depth−1 (windowed or global)
 *   → permute [B,E,g,g] → neck → [B,out_chans,g,g]
 * </pre>
 *
 * <p>Keys (local): {@code patch_embed.proj.*}, {@code pos_embed [1, g, g, E]} (if {@code use_abs_pos}),
 * {@code blocks.N.*} ({@link SamBlock}), {@code neck.{0,1,2,3}.*} ({@link ImageEncoderNeck}). Callers
 * prefix them with {@code image_encoder.} (SAM checkpoint) or
 * {@code model.grounding_encoder.image_encoder.} (GLaMM/LEGION checkpoint).
 *
 * <p>Upstream embeds one image at a time under no-grad; batch rows never interact here, so a batch
 * gives the same embeddings as per-image calls.
 *
 * <p>Memory: results are created in the manager of {@code pixels}; each block (and the neck) runs in
 * a sub-manager of it that is closed when the block ends, so {@link #forward} leaves only the
 * embeddings in the caller's manager.
 */
public final class GroundingImageEncoder extends UnaryBlock implements LayerStack {

    /**
     * Outputs of {@link #forwardWithIntermediates}.
     *
     * @param patchEmbed {@code patch_embed(x)} {@code [B, g, g, E]} (before {@code pos_embed})
     * @param blocks output of each block {@code [B, g, g, E]}, in order
     * @param imageEmbeddings neck output {@code [B, out_chans, g, g]}
     */
    public record Intermediates(NDArray patchEmbed, List<NDArray> blocks, NDArray imageEmbeddings) {

        /** Copies the block list. */
        public Intermediates {
            blocks = Collections.unmodifiableList(new ArrayList<>(blocks));
        }
    }

    private final SamConfig.ImageEncoder config;
    private final PatchEmbed patchEmbed;
    private final Parameter posEmbed;
    private final List<SamBlock> blocks;
    private final ImageEncoderNeck neck;
    private volatile LayerWeights layerWeights = LayerWeights.RESIDENT;

    /** The image encoder of a SAM config. */
    public GroundingImageEncoder(SamConfig config) {
        this(config.imageEncoder());
    }

    /**
     * @param config image encoder arguments
     * @throws IllegalArgumentException if the config does not validate
     */
    public GroundingImageEncoder(SamConfig.ImageEncoder config) {
        try {
            config.validate();
        } catch (ConfigException e) {
            throw new IllegalArgumentException("GroundingImageEncoder: invalid config: " + e.getMessage(), e);
        }
        this.config = config;
        int g = config.gridSize();
        // upstream's own parameter comes first in its state dict (and in creation's draws)
        posEmbed = config.useAbsPos() ? param("pos_embed", Init.NORMAL, 1, g, g, config.embedDim()) : null;
        patchEmbed = child("patch_embed", new PatchEmbed(config));
        List<SamBlock> list = new ArrayList<>(config.depth());
        for (int i = 0; i < config.depth(); i++) {
            list.add(child("blocks." + i, new SamBlock(config, i)));
        }
        blocks = Collections.unmodifiableList(list);
        neck = child("neck", new ImageEncoderNeck(config));
    }

    /** The configuration. */
    public SamConfig.ImageEncoder config() {
        return config;
    }

    /** The transformer blocks, in order. */
    public List<SamBlock> blocks() {
        return blocks;
    }

    @Override
    public List<SamBlock> stackedLayers() {
        return blocks;
    }

    @Override
    public void layerWeights(LayerWeights weights) {
        this.layerWeights = Objects.requireNonNull(weights, "weights");
    }

    /**
     * Embeds images.
     *
     * @param pixels {@code [B, in_chans, img_size, img_size]} preprocessed (normalized, zero-padded)
     *     images; cast to the weights' dtype if needed. Without {@code use_abs_pos} any size of at
     *     least one patch is accepted, as upstream (global blocks then resize their relative-position
     *     tables)
     * @return image embeddings {@code [B, out_chans, H/p, W/p]} ({@code [B, out_chans, g, g]} with
     *     {@code g = img_size / patch_size} for the configured size), in the manager of {@code pixels}
     * @throws IllegalArgumentException on another shape
     */
    @Override
    public NDArray forward(ParameterStore ps, NDArray pixels, boolean training) {
        return run(ps, pixels, training, null).imageEmbeddings();
    }

    /**
     * {@link #forward} that also returns the patch embedding and every block output (for parity
     * checks and feature extraction).
     */
    public Intermediates forwardWithIntermediates(ParameterStore ps, NDArray pixels, boolean training) {
        return run(ps, pixels, training, new ArrayList<>(config.depth()));
    }

    private Intermediates run(ParameterStore ps, NDArray pixels, boolean training, List<NDArray> trace) {
        checkInput(pixels.getShape());
        NDArray patches = patchEmbed.forward(ps, pixels, training);
        NDArray h = posEmbed != null ? patches.add(value(ps, posEmbed, patches, training)) : patches;
        if (trace == null && h != patches) {
            patches.close();
        }
        for (SamBlock block : blocks) {
            NDArray in = h;
            try (LayerWeights.Lease w = layerWeights.acquire(block, ps)) {
                ParameterStore store = w.store();
                // A block's temporaries are freed when the block ends rather than when the caller's
                // manager closes: a global ViT-H block alone makes several [16, 4096, 4096] score maps.
                h = Scopes.scoped(in, x -> block.forward(store, x, training));
            }
            if (trace != null) {
                trace.add(h);
            } else {
                in.close();
            }
        }
        NDArray out = Scopes.scoped(h, x -> neck.forward(ps, x.transpose(0, 3, 1, 2), training));
        if (trace == null) {
            h.close();
        }
        return new Intermediates(trace != null ? patches : null, trace != null ? trace : List.of(), out);
    }

    private void checkInput(Shape s) {
        int size = config.imgSize();
        int p = config.patchSize();
        boolean ok = s.dimension() == 4 && s.get(0) >= 1 && s.get(1) == config.inChans();
        if (ok && config.useAbsPos()) {
            // pos_embed is not interpolated upstream: the grid must be the configured one
            ok = s.get(2) == size && s.get(3) == size;
        } else if (ok) {
            ok = s.get(2) >= p && s.get(3) >= p;
        }
        if (!ok) {
            String expected = config.useAbsPos() ? size + ", " + size : "H >= " + p + ", W >= " + p;
            throw new IllegalArgumentException("GroundingImageEncoder: expected pixels [B, " + config.inChans() + ", "
                    + expected + "], got " + Arrays.toString(s.getShape()));
        }
    }

    @Override
    protected Shape outputShape(Shape s) {
        int p = config.patchSize();
        return new Shape(s.get(0), config.outChans(), s.get(2) / p, s.get(3) / p);
    }
}
