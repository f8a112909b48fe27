package ai.legion.cli;

import ai.legion.core.text.SafeText;
import ai.legion.data.ArtifactRecord;
import ai.legion.data.DatasetReader;
import ai.legion.data.folder.DetectionFolderReader;
import ai.legion.data.loki.LokiReader;
import ai.legion.data.sim.SampleSet;
import ai.legion.data.sim.ScarsSimGenerator;
import ai.legion.data.sim.SimConfig;
import ai.legion.data.sim.SimSummary;
import ai.legion.data.synthscars.SynthScarsReader;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code legion data sim|check}. */
@Command(name = "data", mixinStandardHelpOptions = true, description = "Datasets: generate scars-sim, check a dataset.",
        subcommands = {DataCommand.Sim.class, DataCommand.Samples.class, DataCommand.Check.class})
final class DataCommand implements Runnable {

    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(name = "sim", mixinStandardHelpOptions = true,
            header = "Generate scars-sim, a procedural dataset in the SynthScars layout.",
            description = {"Generate scars-sim: procedural scenes with injected structure/distortion/physics "
                    + "artifacts in the SynthScars layout (train/test images + annotations with polygons, phrases, "
                    + "explanations) and real/fake detection folders (detect/{train,test}/{0_real,1_fake}). "
                    + "Deterministic by seed."})
    static final class Sim implements Callable<Integer> {
        @Option(names = "--out", required = true, paramLabel = "DIR")
        Path out;

        @Option(names = "--seed", defaultValue = "0")
        long seed;

        @Option(names = "--train", defaultValue = "1000", description = "Localization/explanation training images.")
        int train;

        @Option(names = "--test", defaultValue = "200", description = "Held-out images.")
        int test;

        @Option(names = "--detect-train", defaultValue = "500", description = "Detection training images per class.")
        int detectTrain;

        @Option(names = "--detect-test", defaultValue = "200", description = "Detection test images per class.")
        int detectTest;

        @Option(names = "--size", defaultValue = "128", description = "Image side in pixels.")
        int size;

        @Option(names = "--overwrite", description = "Replace an existing dataset in DIR.")
        boolean overwrite;

        @Override
        public Integer call() throws Exception {
            SimConfig cfg;
            try {
                cfg = SimConfig.defaults().toBuilder().seed(seed).trainCount(train).testCount(test)
                        .detectTrainCount(detectTrain).detectTestCount(detectTest).imageSize(size).build();
            } catch (IllegalArgumentException e) { // SimConfig names its fields; the user typed options
                String m = e.getMessage();
                for (String[] p : new String[][] {{"detectTrainCount", "--detect-train"},
                        {"detectTestCount", "--detect-test"}, {"trainCount", "--train"}, {"testCount", "--test"},
                        {"imageSize", "--size"}, {"invalid SimConfig", "invalid options"}}) {
                    m = m.replace(p[0], p[1]);
                }
                throw new IllegalArgumentException(m, e);
            }
            SimSummary s = ScarsSimGenerator.generate(cfg, out, overwrite);
            System.out.println(ScarsSimGenerator.describe(s));
            return 0;
        }
    }

    @Command(name = "samples", mixinStandardHelpOptions = true,
            header = "Copy the README samples out of a scars-sim by a fixed rule.",
            description = {"Write the README samples: the first N images of scars-sim's held-out test split (file "
                    + "order, no selection) as images/fake-1.png ... with their annotations, and the first real "
                    + "image of detect/test as real.png."})
    static final class Samples implements Callable<Integer> {
        @Option(names = "--from", required = true, paramLabel = "DIR", description = "A scars-sim root.")
        Path from;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "E.g. examples/samples.")
        Path out;

        @Option(names = "--fakes", defaultValue = "3", description = "Fake samples (default ${DEFAULT-VALUE}).")
        int fakes;

        @Override
        public Integer call() throws Exception {
            SampleSet.write(from, fakes, out);
            System.out.println("samples written to " + out);
            return 0;
        }
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = "Read a dataset as published and print the validation summary (exit 1 if problems were "
                    + "found).")
    static final class Check implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "FORMAT", description = "synthscars | loki | folder")
        String format;

        @Parameters(index = "1", paramLabel = "ROOT")
        Path root;

        @Option(names = "--split", defaultValue = "test", description = "SynthScars split (default ${DEFAULT-VALUE}).")
        String split;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            try (DatasetReader reader = switch (format) {
                case "synthscars" -> SynthScarsReader.open(root, split);
                case "loki" -> LokiReader.open(root);
                case "folder" -> new DetectionFolderReader(root);
                default -> throw new IllegalArgumentException("FORMAT must be synthscars, loki or folder, got " + format);
            }) {
                long n = 0;
                long refs = 0;
                for (ArtifactRecord r : reader) {
                    n++;
                    refs += r.refs().size();
                }
                // the validation summary escapes the ids and messages it quotes from the dataset
                PrintWriter out = spec.commandLine().getOut();
                out.printf("%s: %d records, %d refs%n%s%n", SafeText.forTerminalLine(reader.name()), n, refs,
                        reader.validation());
                out.flush();
                return reader.validation().isClean() ? 0 : 1;
            }
        }
    }
}
