package ai.legion.models.inference;

import ai.djl.Model;
import ai.djl.modality.cv.Image;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslatorContext;
import ai.legion.core.report.ArtifactReport;

/**
 * Lets DJL users drive an analyzer through a {@code Predictor<Image, ArtifactReport>}.
 *
 * <p>LEGION is not one block forward but a pipeline (two encoders, a decoding loop, a mask decoder),
 * so the DJL model's block is a pass-through and the translator runs the analyzer in
 * {@link #processOutput}. Obtain a predictor with {@link #zooModel(LegionAnalyzer)} or through
 * {@code Criteria} with {@link LegionTranslatorFactory}.
 */
public final class LegionTranslator implements NoBatchifyTranslator<Image, ArtifactReport> {

    private static final String IMAGE = "legion.image";

    private final LegionAnalyzer analyzer;

    public LegionTranslator(LegionAnalyzer analyzer) {
        this.analyzer = analyzer;
    }

    /** The block a DJL model wrapping an analyzer carries: it returns its inputs. */
    public static Block passThrough() {
        return new LambdaBlock(list -> list, "legion-pass-through");
    }

    /** A DJL ZooModel whose predictors analyze images; closing it closes the analyzer. */
    public static ZooModel<Image, ArtifactReport> zooModel(LegionAnalyzer analyzer) {
        Model model = Model.newInstance("legion", analyzer.model().manager().getDevice(), "PyTorch");
        model.setBlock(passThrough());
        model.getNDManager().attachInternal("legion-analyzer", analyzer);
        return new ZooModel<>(model, new LegionTranslator(analyzer));
    }

    @Override
    public NDList processInput(TranslatorContext ctx, Image input) {
        ctx.setAttachment(IMAGE, input);
        return new NDList();
    }

    @Override
    public ArtifactReport processOutput(TranslatorContext ctx, NDList list) {
        return analyzer.analyze((Image) ctx.getAttachment(IMAGE));
    }
}
