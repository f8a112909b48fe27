package ai.legion.models.inference;

import ai.legion.models.lm.GenerationOptions;
import ai.djl.Model;
import ai.djl.modality.cv.Image;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorFactory;
import ai.djl.util.Pair;
import ai.legion.core.config.SamConfig;
import ai.legion.core.report.ArtifactReport;
import java.lang.reflect.Type;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * Builds a {@link LegionTranslator} (and the analyzer behind it) when DJL loads a LEGION folder
 * through {@code Criteria}:
 *
 * <pre>{@code
 * Criteria<Image, ArtifactReport> criteria = Criteria.builder()
 *         .setTypes(Image.class, ArtifactReport.class)
 *         .optModelPath(modelDir)
 *         .optEngine("PyTorch")
 *         .optBlock(LegionTranslator.passThrough())
 *         .optOption("hasParameter", "false")          // the weights are read by the analyzer
 *         .optArgument("clip", clipDir.toString())
 *         .optTranslatorFactory(new LegionTranslatorFactory())
 *         .build();
 * try (ZooModel<Image, ArtifactReport> model = criteria.loadModel();
 *      Predictor<Image, ArtifactReport> predictor = model.newPredictor()) { ... }
 * }</pre>
 *
 * <p>Arguments: {@code clip} (CLIP folder), {@code samConfig} (SAM config file or preset),
 * {@code maxNewTokens}.
 */
public final class LegionTranslatorFactory implements TranslatorFactory {

    @Override
    public Set<Pair<Type, Type>> getSupportedTypes() {
        return Set.of(new Pair<>(Image.class, ArtifactReport.class));
    }

    @Override
    @SuppressWarnings("unchecked")
    public <I, O> Translator<I, O> newInstance(Class<I> input, Class<O> output, Model model, Map<String, ?> arguments)
            throws TranslateException {
        if (input != Image.class || output != ArtifactReport.class) {
            throw new IllegalArgumentException("LEGION translates Image -> ArtifactReport, not " + input.getSimpleName()
                    + " -> " + output.getSimpleName());
        }
        try {
            LegionAnalyzer.Builder b = LegionAnalyzer.builder().model(model.getModelPath()).device(model.getNDManager().getDevice());
            Object clip = arguments.get("clip");
            if (clip != null) {
                b.clip(Path.of(clip.toString()));
            }
            Object sam = arguments.get("samConfig");
            if (sam != null) {
                b.samConfig(SamConfig.presetOrRead(sam.toString()));
            }
            Object max = arguments.get("maxNewTokens");
            if (max != null) {
                b.generation(GenerationOptions.DEFAULT.withMaxNewTokens(Integer.parseInt(max.toString())));
            }
            LegionAnalyzer analyzer = b.build();
            model.getNDManager().attachInternal("legion-analyzer", analyzer); // closed with the model
            return (Translator<I, O>) new LegionTranslator(analyzer);
        } catch (Exception e) {
            throw new TranslateException("cannot load LEGION from " + model.getModelPath() + ": " + e.getMessage(), e);
        }
    }
}
