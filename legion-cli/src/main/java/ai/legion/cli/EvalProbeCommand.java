package ai.legion.cli;

import ai.legion.core.text.SafeText;
import ai.legion.eval.probe.ProbeResult;
import ai.legion.eval.probe.VisionProbe;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code legion eval probe}: the linear probe of a CLIP tower on scars-sim ({@link VisionProbe}). */
@Command(name = "probe", mixinStandardHelpOptions = true,
        description = {"Probe a CLIP vision tower: a ridge regression on the image tokens LEGION feeds its LLM "
                + "(hidden_states[-2] without CLS, mean-pooled and all patches) predicts which object types each "
                + "scars-sim scene contains; prints per-type test accuracy next to always answering the training "
                + "majority.",
            "The LLM can only name objects its input carries: run this before spending a stage-1 run on a tower, "
                + "and adopt only towers clearly above the majority baseline (docs/TRAINING.md)."})
final class EvalProbeCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--clip", required = true, paramLabel = "DIR",
            description = "CLIP folder (config.json, model.safetensors), as stage 1 takes it.")
    Path clip;

    @Option(names = "--data", required = true, paramLabel = "DIR",
            description = "scars-sim dataset folder (legion data sim --out DIR).")
    Path data;

    @Option(names = "--train", defaultValue = "2000", paramLabel = "N",
            description = "Training images, the first of the train split (default ${DEFAULT-VALUE}); the last 20% "
                    + "of them pick lambda.")
    int train;

    @Option(names = "--test", defaultValue = "200", paramLabel = "N",
            description = "Test images, the first of the test split (default ${DEFAULT-VALUE}).")
    int test;

    @Option(names = "--out", paramLabel = "FILE", description = "Also write the result as JSON (atomically).")
    Path out;

    @Override
    public Integer call() throws Exception {
        return EvalCommand.guarded(spec, () -> {
            ProbeResult r = VisionProbe.builder().clip(clip).data(data).train(train).test(test).build().run();
            PrintWriter stdout = spec.commandLine().getOut();
            stdout.print(SafeText.forTerminal(r.table(), SafeText.UNLIMITED));
            if (out != null) {
                r.write(out);
                stdout.println("written: " + SafeText.forTerminalLine(out.toString()));
            }
            stdout.flush();
            return 0;
        });
    }
}
