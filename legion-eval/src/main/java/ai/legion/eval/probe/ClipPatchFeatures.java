package ai.legion.eval.probe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.legion.core.config.ClipImageProcessorConfig;
import ai.legion.core.config.ClipVisionConfig;
import ai.legion.core.image.ClipImageProcessor;
import ai.legion.core.image.ImageException;
import ai.legion.core.image.ImageLoader;
import ai.legion.core.io.Checkpoint;
import ai.legion.core.io.CheckpointException;
import ai.legion.core.io.Checkpoints;
import ai.legion.core.io.NDArrayLoader;
import ai.legion.data.ArtifactRecord;
import ai.legion.models.clip.GlobalImageEncoder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The image tokens LEGION feeds its LLM, from a CLIP vision folder ({@code config.json}, {@code model.safetensors},
 * optionally {@code preprocessor_config.json}; a vision-only or a whole {@code CLIPModel} checkpoint, as stage 1
 * takes it): {@code hidden_states[-2]} with the CLS token dropped (LEGION's {@code mm_vision_select_layer} -2 and
 * {@code mm_vision_select_feature} "patch", upstream {@code model/multimodal_encoder/clip_encoder.py::
 * CLIPVisionTower.feature_select}). Two kinds: {@value #MEAN} (the tokens averaged, {@code C} values) and
 * {@value #PATCHES} (every token, {@code T x C} values, token-major).
 */
public final class ClipPatchFeatures implements FeatureExtractor {

    /** The mean-pooled patch tokens. */
    public static final String MEAN = "mean";
    /** Every patch token, flattened. */
    public static final String PATCHES = "patches";

    /** LEGION's {@code mm_vision_select_layer}. */
    static final int SELECT_LAYER = -2;

    private static final int CHUNK = 32;

    private final NDManager manager;
    private final GlobalImageEncoder encoder;
    private final ClipImageProcessor processor;
    private final ImageLoader loader = new ImageLoader();
    private final int layers;

    private ClipPatchFeatures(NDManager manager, GlobalImageEncoder encoder, ClipImageProcessor processor) {
        this.manager = manager;
        this.encoder = encoder;
        this.processor = processor;
        this.layers = encoder.layersNeeded(SELECT_LAYER);
    }

    /**
     * Loads the vision tower of a CLIP folder in float32 on the CPU; preprocessing from its
     * {@code preprocessor_config.json}, else square resize and crop to the tower's image size (as the analyzer).
     *
     * @throws CheckpointException when the folder, its config or its weights are missing or do not fit
     */
    public static ClipPatchFeatures load(Path clipDir) throws CheckpointException {
        Path config = clipDir.resolve("config.json");
        if (!Files.isRegularFile(config)) {
            throw new CheckpointException(clipDir, null, "not a CLIP folder: config.json not found");
        }
        ClipVisionConfig cfg = ClipVisionConfig.read(config);
        Path pre = clipDir.resolve("preprocessor_config.json");
        ClipImageProcessorConfig preCfg = Files.isRegularFile(pre) ? ClipImageProcessorConfig.read(pre)
                : ClipImageProcessorConfig.square(cfg.imageSize());
        NDManager manager = NDManager.newBaseManager();
        try (Checkpoint weights = Checkpoints.open(clipDir)) {
            GlobalImageEncoder encoder = new GlobalImageEncoder(cfg);
            encoder.weightMap("vision_model.").load(weights, manager, NDArrayLoader.FloatPolicy.FLOAT32,
                    GlobalImageEncoder.ignorableKeys(), true);
            return new ClipPatchFeatures(manager, encoder, new ClipImageProcessor(preCfg));
        } catch (CheckpointException | RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    @Override
    public List<String> kinds() {
        return List.of(MEAN, PATCHES);
    }

    @Override
    public List<float[][]> extract(List<ArtifactRecord> records) throws IOException {
        float[][] mean = new float[records.size()][];
        float[][] patches = new float[records.size()][];
        int h = processor.config().cropSize().height();
        int w = processor.config().cropSize().width();
        for (int start = 0; start < records.size(); start += CHUNK) {
            List<ArtifactRecord> part = records.subList(start, Math.min(records.size(), start + CHUNK));
            try (NDManager m = manager.newSubManager()) {
                NDList rows = new NDList();
                for (ArtifactRecord r : part) {
                    float[] px;
                    try {
                        px = processor.process(loader.load(r.image())).pixelValues();
                    } catch (ImageException e) {
                        throw new IOException("record " + r.id() + ": " + e.getMessage(), e);
                    }
                    rows.add(m.create(px, new Shape(3, h, w)));
                }
                GlobalImageEncoder.Output out = encoder.forward(new ParameterStore(m, false), NDArrays.stack(rows),
                        layers, false);
                NDArray tokens = out.selectFeatures(SELECT_LAYER, "patch").toType(DataType.FLOAT32, false);
                float[] flat = tokens.toFloatArray();
                float[] pooled = tokens.mean(new int[] {1}).toFloatArray();
                int t = (int) tokens.getShape().get(1);
                int c = (int) tokens.getShape().get(2);
                for (int i = 0; i < part.size(); i++) {
                    patches[start + i] = Arrays.copyOfRange(flat, i * t * c, (i + 1) * t * c);
                    mean[start + i] = Arrays.copyOfRange(pooled, i * c, (i + 1) * c);
                }
            }
        }
        List<float[][]> out = new ArrayList<>(2);
        out.add(mean);
        out.add(patches);
        return out;
    }

    @Override
    public void close() {
        manager.close();
    }
}
