package ai.legion.data.sim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stage-2 learnability: real and fake images must be separable in the features of a randomly
 * initialized, frozen CLIP tower (LEGION's stage 2 trains only a head on the CLS token of
 * {@code hidden_states[-2]}). Also reports what the upstream head recipe reaches on raw features.
 */
class DetectionSignalTest {

    @Test
    void fakesAreLinearlySeparableInRandomClipFeatures(@TempDir Path dir) throws Exception {
        SimConfig cfg = SimConfig.builder().seed(21).trainCount(300).testCount(150).detectTrainCount(300)
                .detectTestCount(150).build();
        ScarsSimGenerator.generate(cfg, dir);
        RandomClipProbe.Tower tower = new RandomClipProbe.Tower(64, 8, 64, 4);
        RandomClipProbe.Features f = RandomClipProbe.extract(dir, tower, 7);
        double logistic = RandomClipProbe.logisticAccuracy(f);
        double headStd = RandomClipProbe.headAccuracy(f, true, 3, 1e-3, 7);
        double headRaw = RandomClipProbe.headAccuracy(f, false, 3, 1e-3, 7);
        System.out.printf("random CLIP %s, %d train / %d test images: logistic on standardized CLS %.4f;"
                        + " upstream head (3 epochs, lr 1e-3) on standardized CLS %.4f, on raw CLS %.4f;"
                        + " raw CLS relative spread %.4f%n",
                tower, f.xTrain().length, f.xTest().length, logistic, headStd, headRaw, RandomClipProbe.relativeSpread(f));
        assertTrue(logistic >= 0.95, "logistic accuracy " + logistic);
    }

    @Test
    void withoutTheFingerprintArtifactsAloneAreNotEnough(@TempDir Path dir) throws Exception {
        // documents why the fingerprint exists: local artifacts do not show in random global features
        SimConfig cfg = SimConfig.builder().seed(21).trainCount(300).testCount(150).detectTrainCount(300)
                .detectTestCount(150).fingerprintStrength(0).build();
        ScarsSimGenerator.generate(cfg, dir);
        RandomClipProbe.Features f = RandomClipProbe.extract(dir, new RandomClipProbe.Tower(64, 8, 64, 4), 7);
        double logistic = RandomClipProbe.logisticAccuracy(f);
        System.out.printf("without fingerprint: logistic on standardized random CLIP CLS %.4f%n", logistic);
        assertTrue(logistic < 0.8, "artifacts alone gave " + logistic);
    }
}
