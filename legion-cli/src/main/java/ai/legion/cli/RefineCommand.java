package ai.legion.cli;

import ai.legion.core.image.ImageException;
import ai.legion.core.image.ImageLoader;
import ai.legion.core.image.RgbImage;
import ai.legion.core.io.CheckpointException;
import ai.legion.core.text.SafeText;
import ai.legion.models.inference.LegionAnalyzer;
import ai.legion.refine.GenerationSettings;
import ai.legion.refine.ImageGenerator;
import ai.legion.refine.Inpainter;
import ai.legion.refine.InpaintingRefiner;
import ai.legion.refine.IterationResult;
import ai.legion.refine.PromptReviser;
import ai.legion.refine.RefinementResult;
import ai.legion.refine.Refiner;
import ai.legion.refine.RuleBasedReviser;
import ai.legion.refine.server.ApiKey;
import ai.legion.refine.server.Automatic1111Client;
import ai.legion.refine.server.ComfyUiClient;
import ai.legion.refine.server.ComfyWorkflow;
import ai.legion.refine.server.HttpOptions;
import ai.legion.refine.server.OpenAiChatReviser;
import ai.legion.refine.server.OpenAiImagesClient;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code legion refine regen|inpaint}: LEGION as a controller of an image-generation server (paper section
 * 4.2, docs/REFINE.md). Exit codes: 0 done, 1 a server or the loop failed, 2 bad arguments or the model
 * or input could not be read.
 */
@Command(name = "refine", mixinStandardHelpOptions = true,
        header = "Use LEGION as a generation controller: regenerate or inpaint until clean.",
        description = {"LEGION as a generation controller: regenerate with revised prompts (regen, Eq. 5) or inpaint "
                + "artifact regions (inpaint, Eq. 6) through an AUTOMATIC1111/Forge (--api), ComfyUI or "
                + "OpenAI-compatible server. Writes OUT/iteration_N/{image.png, report.json, prompt.txt, mask_K.png} "
                + "and OUT/summary.json."},
        subcommands = {RefineCommand.Regen.class, RefineCommand.Inpaint.class})
public final class RefineCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Which server protocol to speak. */
    enum Backend {
        a1111, comfyui, openai
    }

    /** The LEGION model of both subcommands (a mixin). */
    static final class LegionModelOptions {
        @Option(names = "--model", paramLabel = "DIR",
                description = {"GLaMM/LEGION checkpoint folder (weights, config.json, tokenizer). Default: the demo "
                        + "model (trained on scars-sim only): examples/demo-model in the repository, else the copy "
                        + "in the legion-demo-model jar."})
        Path model;

        @Mixin
        ModelOptions load;

        LegionAnalyzer build() throws Exception {
            return load.analyzer(model != null ? model : DemoModel.folder()).build();
        }
    }

    /** The generation server options (a mixin of both subcommands). */
    static final class ServerOptions {
        @Option(names = "--backend", defaultValue = "a1111",
                description = "Server protocol: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
        Backend backend;

        @Option(names = "--server", paramLabel = "URL", description = "Server URL (default: http://127.0.0.1:7860 for"
                + " a1111, http://127.0.0.1:8188 for comfyui, https://api.openai.com for openai).")
        String server;

        @Option(names = "--checkpoint", paramLabel = "NAME",
                description = "Model checkpoint: a1111 switches to it (override_settings); comfyui fills "
                        + "{{checkpoint}}.")
        String checkpoint;

        @Option(names = "--workflow", paramLabel = "FILE",
                description = "comfyui: a workflow in API format with {{placeholders}} (default: the built-in one).")
        Path workflow;

        @Option(names = "--mask-mode", defaultValue = "alpha",
                description = "comfyui: alpha (/upload/mask into the image's alpha, LoadImage) or separate "
                        + "(LoadImageMask).")
        String maskMode;

        @Option(names = "--api-key-env", paramLabel = "VAR", defaultValue = "OPENAI_API_KEY",
                description = "openai: environment variable holding the API key (default ${DEFAULT-VALUE}).")
        String apiKeyEnv;

        @Option(names = "--openai-model", defaultValue = "dall-e-2", description = "openai: image model (default ${DEFAULT-VALUE}).")
        String openaiModel;

        @Option(names = "--auth-env", paramLabel = "VAR",
                description = "a1111 --api-auth: environment variable holding user:password.")
        String authEnv;

        @Option(names = "--timeout", defaultValue = "600", description = "Seconds per request (default ${DEFAULT-VALUE}).")
        long timeout;

        @Option(names = "--retries", defaultValue = "3", description = "Retries on 5xx/timeouts (default ${DEFAULT-VALUE}).")
        int retries;

        HttpOptions http() {
            if (timeout <= 0) {
                throw new IllegalArgumentException("--timeout must be positive, got " + timeout);
            }
            return HttpOptions.defaults().withRequestTimeout(Duration.ofSeconds(timeout))
                    .withRetries(retries, Duration.ofSeconds(1), Duration.ofSeconds(16));
        }

        URI uri() {
            String s = server != null ? server : switch (backend) {
                case a1111 -> Automatic1111Client.DEFAULT_URI.toString();
                case comfyui -> ComfyUiClient.DEFAULT_URI.toString();
                case openai -> OpenAiImagesClient.DEFAULT_URI.toString();
            };
            try {
                return new URI(s);
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("--server is not a URL: " + e.getMessage(), e);
            }
        }

        private static void requireEnv(String variable, String option) {
            String v = System.getenv(variable);
            if (v == null || v.isBlank()) {
                throw new IllegalArgumentException(option + ": environment variable " + variable + " is not set");
            }
        }

        /**
         * The client for one loop (each adapter is both generator and inpainter); a comfyui {@code --workflow}
         * replaces the built-in workflow of that loop's mode.
         */
        Object client(boolean inpainting) {
            return switch (backend) {
                case a1111 -> {
                    Automatic1111Client.Builder b = Automatic1111Client.builder(uri()).http(http()).checkpoint(checkpoint);
                    if (authEnv != null) {
                        requireEnv(authEnv, "--auth-env");
                        b.basicAuth(ApiKey.fromEnv(authEnv));
                    }
                    yield b.build();
                }
                case comfyui -> {
                    ComfyUiClient.MaskMode mode = switch (maskMode.toLowerCase(Locale.ROOT)) {
                        case "alpha" -> ComfyUiClient.MaskMode.ALPHA;
                        case "separate" -> ComfyUiClient.MaskMode.SEPARATE;
                        default -> throw new IllegalArgumentException("--mask-mode must be alpha or separate, got " + maskMode);
                    };
                    ComfyUiClient.Builder b = ComfyUiClient.builder(uri()).http(http()).maskMode(mode).checkpoint(checkpoint);
                    if (workflow != null) {
                        ComfyWorkflow w = ComfyWorkflow.read(workflow);
                        if (inpainting) {
                            b.inpaintWorkflow(w);
                        } else {
                            b.txt2imgWorkflow(w);
                        }
                    }
                    yield b.build();
                }
                case openai -> {
                    requireEnv(apiKeyEnv, "--api-key-env");
                    yield OpenAiImagesClient.builder(uri()).http(http()).apiKey(ApiKey.fromEnv(apiKeyEnv))
                            .model(openaiModel).build();
                }
            };
        }
    }

    /** Runs a loop with the project's error handling: messages, not stack traces. */
    static int guarded(CommandSpec spec, Callable<RefinementResult> loop) {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            RefinementResult r = loop.call();
            IterationResult last = r.last();
            out.printf(Locale.ROOT, "refined image: %s (%d iterations, stopped: %s)%nsummary: %s%n",
                    SafeText.forTerminalLine(last.imageFile()), r.iterations().size(),
                    SafeText.forTerminalLine(r.stopReason()), SafeText.forTerminalLine(r.summaryFile()));
            out.flush();
            return 0;
        } catch (IllegalArgumentException | CheckpointException | ImageException | IllegalStateException e) {
            LegionCli.printError(err, spec.commandLine().getColorScheme(), "legion refine", e);
            return 2;
        } catch (Exception e) {
            // server answers are quoted in these messages
            LegionCli.printError(err, spec.commandLine().getColorScheme(), "legion refine", e);
            return 1;
        }
    }

    static void progress(CommandSpec spec, IterationResult it) {
        long withMask = it.report().artifacts().stream().filter(a -> a.hasMask()).count();
        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "iteration %d: %d artifact%s, artifact area %.1f%%%s (LEGION %.1f s, generator %.1f "
                + "s)%n",
                it.iteration(), withMask, withMask == 1 ? "" : "s", 100 * it.artifactArea(),
                it.edits().isEmpty() ? "" : ", " + it.edits().size() + " region" + (it.edits().size() == 1 ? "" : "s")
                        + " repainted", it.analyzeMillis() / 1000.0, it.generateMillis() / 1000.0);
        out.flush();
    }

    /** {@code legion refine inpaint}. */
    @Command(name = "inpaint", mixinStandardHelpOptions = true,
            description = {"Inpainting loop (Eq. 6): analyze, repaint each artifact region with its dilated mask and "
                    + "a prompt from its explanation, composite so pixels outside the masks never change; repeat."})
    static final class Inpaint implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "IMAGE", description = "The image to refine.")
        Path image;

        @Mixin
        LegionModelOptions model;

        @Mixin
        ServerOptions server;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder.")
        Path out;

        @Option(names = "--rounds", defaultValue = "3", description = "Inpainting rounds (default ${DEFAULT-VALUE}).")
        int rounds;

        @Option(names = "--dilate-kernel", defaultValue = "5", description = "Dilation kernel side (default ${DEFAULT-VALUE}).")
        int kernel;

        @Option(names = "--dilate-iterations", defaultValue = "5", description = "Dilation iterations (default ${DEFAULT-VALUE}).")
        int dilateIterations;

        @Option(names = "--seed", defaultValue = "42", description = "Seed of the first call, +1 per call; -1 random (default ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--steps", defaultValue = "25", description = "Denoising steps (default ${DEFAULT-VALUE}).")
        int steps;

        @Option(names = "--cfg", defaultValue = "8.0", description = "Guidance scale (default ${DEFAULT-VALUE}).")
        double cfg;

        @Option(names = "--strength", defaultValue = "0.84", description = "Denoising strength (default ${DEFAULT-VALUE}).")
        double strength;

        @Option(names = "--sampler", description = "Sampler name of the server (default: the server's).")
        String sampler;

        @Option(names = "--negative-prompt", defaultValue = "", description = "Negative prompt.")
        String negativePrompt;

        @Option(names = "--prompt-template", description = "Inpainting prompt with {explanation} and/or {phrase}"
                + " (default: upstream's 'Try to avoid the problem: {explanation} ...').")
        String template;

        @Option(names = "--eval-prompt", defaultValue = "", description = "A description of the image for prompt-based scorers.")
        String evalPrompt;

        @Override
        public Integer call() {
            return guarded(spec, () -> {
                GenerationSettings s = new GenerationSettings(seed, steps, cfg, strength, 0, 0, negativePrompt, sampler);
                Inpainter client = (Inpainter) server.client(true);
                RgbImage input = new ImageLoader().load(image); // before the model loads: bad input fails fast
                try (LegionAnalyzer legion = model.build()) {
                    InpaintingRefiner r = Refiner.inpainting().artifacts(legion::analyze).inpainter(client)
                            .rounds(rounds).dilation(kernel, dilateIterations).settings(s).evaluationPrompt(evalPrompt)
                            .output(out).onIteration(it -> progress(spec, it));
                    if (template != null) {
                        r.promptTemplate(template);
                    }
                    return r.run(input, image.toString());
                }
            });
        }
    }

    /** {@code legion refine regen}. */
    @Command(name = "regen", mixinStandardHelpOptions = true,
            description = {"Regeneration loop (Eq. 5): generate from the prompt, analyze, keep LEGION's explanation "
                    + "in a memory bank, revise the prompt from it (rule-based offline, or an OpenAI-compatible chat "
                    + "model), repeat."})
    static final class Regen implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        LegionModelOptions model;

        @Mixin
        ServerOptions server;

        @Option(names = "--prompt", required = true, description = "The user's prompt.")
        String prompt;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder.")
        Path out;

        @Option(names = "--iterations", defaultValue = "3", description = "Images to generate (default ${DEFAULT-VALUE}).")
        int iterations;

        @Option(names = "--init-image", paramLabel = "FILE", description = "An image already generated from --prompt:"
                + " iteration 0 analyzes it instead of generating.")
        Path initImage;

        @Option(names = "--width", defaultValue = "1024", description = "Default ${DEFAULT-VALUE}.")
        int width;

        @Option(names = "--height", defaultValue = "1024", description = "Default ${DEFAULT-VALUE}.")
        int height;

        @Option(names = "--seed", defaultValue = "-1", description = "Seed of iteration 0, +1 per iteration; -1 random (default).")
        long seed;

        @Option(names = "--steps", defaultValue = "28", description = "Denoising steps (default ${DEFAULT-VALUE}).")
        int steps;

        @Option(names = "--cfg", defaultValue = "7.0", description = "Guidance scale (default ${DEFAULT-VALUE}).")
        double cfg;

        @Option(names = "--sampler", description = "Sampler name of the server (default: the server's).")
        String sampler;

        @Option(names = "--negative-prompt", defaultValue = "", description = "Negative prompt.")
        String negativePrompt;

        @Option(names = "--reviser", defaultValue = "rule", description = "rule (offline, default) or openai (chat model).")
        String reviser;

        @Option(names = "--reviser-server", paramLabel = "URL", defaultValue = "https://api.openai.com",
                description = "openai reviser: OpenAI-compatible server (default ${DEFAULT-VALUE}).")
        String reviserServer;

        @Option(names = "--reviser-model", defaultValue = "gpt-4o", description = "openai reviser: model (default ${DEFAULT-VALUE}).")
        String reviserModel;

        @Option(names = "--reviser-key-env", paramLabel = "VAR", defaultValue = "OPENAI_API_KEY",
                description = "openai reviser: environment variable with the key (default ${DEFAULT-VALUE}; unset = "
                        + "no key).")
        String reviserKeyEnv;

        @Option(names = "--max-words", defaultValue = "49", description = "rule reviser: word budget (default ${DEFAULT-VALUE}).")
        int maxWords;

        @Option(names = "--stop-when-clean", description = "Stop as soon as LEGION finds no artifact.")
        boolean stopWhenClean;

        @Override
        public Integer call() {
            return guarded(spec, () -> {
                GenerationSettings s = new GenerationSettings(seed, steps, cfg, 1.0, width, height, negativePrompt, sampler);
                PromptReviser rev = switch (reviser.toLowerCase(Locale.ROOT)) {
                    case "rule" -> new RuleBasedReviser(maxWords);
                    case "openai" -> {
                        OpenAiChatReviser.Builder b = OpenAiChatReviser.builder(URI.create(reviserServer))
                                .model(reviserModel).http(server.http());
                        if (System.getenv(reviserKeyEnv) != null) {
                            b.apiKey(ApiKey.fromEnv(reviserKeyEnv));
                        }
                        yield b.build();
                    }
                    default -> throw new IllegalArgumentException("--reviser must be rule or openai, got " + reviser);
                };
                ImageGenerator client = (ImageGenerator) server.client(false);
                RgbImage init = initImage == null ? null : new ImageLoader().load(initImage);
                try (LegionAnalyzer legion = model.build()) {
                    return Refiner.regeneration().artifacts(legion::analyze).generator(client).reviser(rev)
                            .iterations(iterations).settings(s).stopWhenClean(stopWhenClean).output(out)
                            .onIteration(it -> progress(spec, it)).run(prompt, init);
                }
            });
        }
    }
}
