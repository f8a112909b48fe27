package ai.legion.cli;

import ai.legion.train.StepMetrics;
import ai.legion.train.TrainListener;
import ai.legion.train.TrainConfig;
import ai.legion.train.TrainRunner;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code legion train clip|stage1|stage2|export --config FILE}. */
@Command(name = "train", mixinStandardHelpOptions = true,
        header = "Train LEGION: vision pretraining, stage 1 (localization + explanation), stage 2 (detection).",
        description = {"Train LEGION. clip: contrastive pretraining of a CLIP vision tower on image/caption pairs "
                + "(SynthScars layout), the frozen tower of a model created from scratch; stage 1: localization + "
                + "explanation (SynthScars layout); stage 2: the detection head (0_real/1_fake folders). The JSON "
                + "config is documented in docs/TRAINING.md; a run resumes from the latest checkpoint in "
                + "checkpoint_dir. 'export' writes a stage-1 checkpoint as a model folder (LoRA merged)."})
final class TrainCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "STAGE", description = "clip | stage1 | stage2 | export")
    String stage;

    @Option(names = "--checkpoint", paramLabel = "DIR",
            description = "export: a step-N checkpoint folder (default: the latest under checkpoint_dir).")
    Path checkpoint;

    @Option(names = "--out", paramLabel = "DIR", description = "export: the model folder to write (default: output).")
    Path out;

    @Option(names = "--config", required = true, paramLabel = "FILE")
    Path config;

    @Option(names = "--no-progress", description = "No progress bar (logs and CI).")
    boolean noProgress;

    /** What STAGE may be: checked before the config is read. */
    private static final List<String> STAGES = List.of("clip", "stage1", "stage2", "export");

    @Override
    public Integer call() throws Exception {
        if (!STAGES.contains(stage)) {
            throw new IllegalArgumentException("STAGE must be one of " + String.join(", ", STAGES) + "; got " + stage);
        }
        TrainConfig cfg;
        try {
            cfg = TrainConfig.read(config);
        } catch (IOException e) { // a missing, unreadable or invalid config: the message names the file and key
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        TrainRunner runner = new TrainRunner(cfg, config);
        if ("export".equals(stage)) {
            System.out.println("model written to " + runner.export(checkpoint, out));
            return 0;
        }
        // validation passes are printed as they happen: the learning curve a run leaves in its log
        TrainListener printer = new TrainListener() {
            @Override
            public void onValidation(long step, Map<String, Double> metrics) {
                StringBuilder line = new StringBuilder("validation at step ").append(step).append(':');
                metrics.forEach((k, v) -> line.append(String.format(Locale.ROOT, " %s %.4f", k, v)));
                System.out.println(line);
            }
        };
        List<StepMetrics> history = switch (stage) {
            case "stage1" -> runner.stage1(printer, !noProgress);
            case "stage2" -> runner.stage2(null, !noProgress);
            case "clip" -> runner.clip(printer, !noProgress);
            default -> throw new IllegalStateException("stage " + stage + " passed the check above");
        };
        if (!history.isEmpty()) {
            StepMetrics last = history.get(history.size() - 1);
            String parts = stage.equals("clip") ? String.format("contrastive %.4f, tags %.4f, regions %.4f",
                    last.ce(), last.bce(), last.region())
                    : String.format("ce %.4f, bce %.4f, dice %.4f", last.ce(), last.bce(), last.dice());
            boolean stopped = stage.equals("stage1") && cfg.stopAtStep() != null && last.step() == cfg.stopAtStep();
            System.out.printf("done: %d steps, last loss %.4f (%s)%s%n", last.step(), last.loss(), parts, stopped
                    ? "; stopped at stop_at_step (checkpoint in " + cfg.checkpointDir()
                            + ", resume it with another config)"
                    : cfg.output() == null ? "" : "; model written to " + cfg.output());
        }
        return 0;
    }
}
