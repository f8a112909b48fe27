package ai.legion.models.loading;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.legion.core.config.ClipImageProcessorConfig;
import ai.legion.core.config.ConfigFiles;
import ai.legion.core.io.Buffers;
import ai.legion.core.io.CheckpointException;
import ai.legion.core.io.DType;
import ai.legion.core.io.IoUtils;
import ai.legion.core.io.SafetensorsWriter;
import ai.legion.core.io.TensorInfo;
import ai.legion.core.tokenizer.LegionTokenizer;
import ai.legion.models.LegionModel;
import ai.legion.models.clip.ClipModel;
import ai.legion.models.nn.WeightMap;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Writes a {@link LegionModel} as a GLaMM/LEGION folder that {@link LegionLoader} reads back (HF's
 * {@code save_pretrained}): {@code config.json}, {@code sam_config.json}, {@code model.safetensors} with the
 * upstream keys, {@code added_tokens.json} and the tokenizer files (always with a {@code tokenizer.json}: converted when the
 * source has only {@code tokenizer.model}), plus {@code clip/} (config, preprocessor config, weights). Each file is
 * written atomically.
 */
public final class LegionSaver {

    private LegionSaver() {}

    /** Writes {@code model} to {@code dir} (created if needed). */
    public static void save(LegionModel model, Path dir, LegionModel.SavePrecision precision) throws CheckpointException {
        try {
            Files.createDirectories(dir.resolve("clip"));
        } catch (IOException e) {
            throw new CheckpointException(dir, null, "cannot create: " + e, e);
        }
        ConfigFiles.write(dir.resolve("config.json"), model.config());
        ConfigFiles.write(dir.resolve("sam_config.json"), model.samConfig());
        ConfigFiles.write(dir.resolve("clip/config.json"), model.clipConfig());
        ConfigFiles.write(dir.resolve("clip/preprocessor_config.json"),
                ClipImageProcessorConfig.square(model.clipConfig().imageSize()));
        writeWeights(model.weightMap(false), dir.resolve("model.safetensors"), precision);
        WeightMap tower = new WeightMap();
        model.vision().mapWeights("vision_model.", tower);
        writeWeights(tower, dir.resolve("clip/model.safetensors"), LegionModel.SavePrecision.FLOAT32);
        if (model.tokenizer() != null) {
            ConfigFiles.write(dir.resolve("added_tokens.json"), model.tokenizer().addedTokens());
            copyTokenizerFiles(model.tokenizerDir(), dir);
        }
    }

    /**
     * Writes a whole CLIP model as an HF {@code CLIPModel} folder ({@code save_pretrained}): config.json (a
     * {@code CLIPConfig}), float32 model.safetensors with every key, and the image processor config. Stage 1 takes
     * such a folder as its frozen vision tower ({@link LegionModel#loadVisionTower}).
     */
    public static void saveClip(ClipModel model, Path dir) throws CheckpointException {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new CheckpointException(dir, null, "cannot create: " + e, e);
        }
        ConfigFiles.write(dir.resolve("config.json"), model.config());
        ConfigFiles.write(dir.resolve("preprocessor_config.json"),
                ClipImageProcessorConfig.square(model.config().visionConfig().imageSize()));
        WeightMap all = new WeightMap();
        model.mapWeights("", all);
        writeWeights(all, dir.resolve("model.safetensors"), LegionModel.SavePrecision.FLOAT32);
    }

    /** Like the released checkpoints: bf16 for everything but the grounding model and {@code text_hidden_fcs}. */
    private static void writeWeights(WeightMap map, Path file, LegionModel.SavePrecision precision)
            throws CheckpointException {
        SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
        for (WeightMap.Entry e : map.entries().values()) {
            NDArray a = e.parameter().getArray();
            String k = e.key();
            boolean bf16 = precision == LegionModel.SavePrecision.MIXED_BF16 && !k.startsWith("model.grounding_encoder.")
                    && !k.startsWith("model.text_hidden_fcs.") && a.getDataType().isFloating();
            if (bf16) {
                TensorInfo info = new TensorInfo(k, DType.BF16, a.getShape().getShape());
                w.add(info, out -> IoUtils.writeFully(out, Buffers.narrowToBf16(a.toType(DataType.FLOAT32, false)
                        .toByteBuffer())));
            } else {
                w.add(k, a.getDataType() == DataType.FLOAT32 || !a.getDataType().isFloating() ? a
                        : a.toType(DataType.FLOAT32, false));
            }
        }
        w.write(file);
    }

    /**
     * Copies the tokenizer files, and writes {@code tokenizer.json} converted from {@code tokenizer.model} when the
     * source has none: loading the saved folder then reads it directly (no conversion, nothing written to the
     * cache, so a read-only cache or home does not matter).
     */
    static void copyTokenizerFiles(Path from, Path dir) throws CheckpointException {
        if (from == null) {
            return;
        }
        Path model = from.resolve("tokenizer.model");
        if (!Files.isRegularFile(from.resolve("tokenizer.json")) && Files.isRegularFile(model)) {
            // the conversion the loader made (and cached) when this model's tokenizer was loaded
            Path converted = LegionTokenizer.convertedJson(model);
            try {
                IoUtils.writeAtomically(dir.resolve("tokenizer.json"), Files.readAllBytes(converted));
            } catch (IOException e) {
                throw new CheckpointException(converted, null, "cannot read the converted tokenizer: " + e, e);
            }
        }
        for (String name : List.of("tokenizer.json", "tokenizer.model", "tokenizer_config.json", "special_tokens_map.json")) {
            Path src = from.resolve(name);
            Path dst = dir.resolve(name);
            if (Files.isRegularFile(src) && !src.toAbsolutePath().normalize().equals(dst.toAbsolutePath().normalize())) {
                try {
                    Files.copy(src, dst, StandardCopyOption.REPLACE_EXISTING);
                } catch (IOException e) {
                    throw new CheckpointException(dst, null, "cannot copy the tokenizer: " + e, e);
                }
            }
        }
    }
}
