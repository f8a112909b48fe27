package ai.legion.eval.runner;

import ai.legion.core.config.SamConfig;
import ai.legion.data.ArtifactRecord;
import ai.legion.data.sim.ScarsSimGenerator;
import ai.legion.data.sim.SimConfig;
import ai.legion.data.synthscars.SynthScarsReader;
import ai.legion.models.lm.GenerationOptions;
import ai.legion.models.inference.LegionAnalyzer;
import ai.legion.testing.Fixtures;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Shared test inputs: a small scars-sim dataset (64 px; 6 test images, 3 real + 3 fake detection images) and
 * the tiny LEGION fixture model with a short token budget, each made once per test JVM.
 */
public final class TestData {

    /** Tokens generated per image (the tiny model is slow to decode). */
    public static final int MAX_NEW_TOKENS = 8;

    private static Path simRoot;
    private static LegionAnalyzer analyzer;

    private TestData() {}

    /** The scars-sim root (deleted when the JVM exits). */
    public static synchronized Path sim() {
        if (simRoot == null) {
            try {
                Path dir = Files.createTempDirectory("legion-eval-test-sim");
                Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
                ScarsSimGenerator.generate(SimConfig.defaults().toBuilder().seed(3).trainCount(4).testCount(6)
                        .detectTrainCount(0).detectTestCount(3).imageSize(64).threads(1).build(), dir.resolve("sim"), true);
                simRoot = dir.resolve("sim");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return simRoot;
    }

    /** The scars-sim test records. */
    public static List<ArtifactRecord> testRecords() throws Exception {
        List<ArtifactRecord> out = new ArrayList<>();
        try (SynthScarsReader r = SynthScarsReader.open(sim(), "test")) {
            r.forEach(out::add);
        }
        return out;
    }

    /** The tiny fixture model (batch size 1 so that batched and single analyses agree bit for bit). */
    public static synchronized LegionAnalyzer analyzer() throws Exception {
        if (analyzer == null) {
            Path tiny = Fixtures.path("parity/legion_tiny");
            // random weights never emit [SEG]: force "<p> x </p> [SEG]" so that masks are predicted
            com.fasterxml.jackson.databind.JsonNode added = new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(tiny.resolve("added_tokens.json").toFile());
            int[] forced = {added.get("<p>").asInt(), -1, added.get("</p>").asInt(), added.get("[SEG]").asInt()};
            GenerationOptions gen = GenerationOptions.DEFAULT.withMaxNewTokens(MAX_NEW_TOKENS)
                    .withProcessor((seq, step, generated, logits) -> {
                        if (step < forced.length && forced[step] >= 0) {
                            float keep = logits[forced[step]];
                            java.util.Arrays.fill(logits, Float.NEGATIVE_INFINITY);
                            logits[forced[step]] = keep;
                        }
                    });
            analyzer = LegionAnalyzer.builder().model(tiny).clip(tiny.resolve("clip")).explainReal(true)
                    .samConfig(SamConfig.read(Fixtures.path("parity/sam/config.json")))
                    .generation(gen).batchSize(1).build();
            LegionAnalyzer a = analyzer;
            Runtime.getRuntime().addShutdownHook(new Thread(a::close));
        }
        return analyzer;
    }

    static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort
        }
    }
}
