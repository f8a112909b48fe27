package ai.legion.cli;

import ai.legion.core.io.CheckpointException;
import ai.legion.core.text.RougeL;
import ai.legion.core.text.SafeText;
import ai.legion.data.DatasetException;
import ai.legion.data.perturb.ImagePerturbation;
import ai.legion.data.perturb.Perturbations;
import ai.legion.eval.css.Css;
import ai.legion.eval.report.EvalReport;
import ai.legion.eval.robust.RobustnessSuite;
import ai.legion.eval.robust.RobustnessTable;
import ai.legion.eval.runner.EvalData;
import ai.legion.eval.runner.EvalResult;
import ai.legion.eval.runner.EvalSummary;
import ai.legion.eval.runner.Evaluation;
import ai.legion.eval.runner.ExternalPredictions;
import ai.legion.eval.runner.ImageResult;
import ai.legion.eval.runner.PredictionSource;
import ai.legion.eval.runner.ResultsFile;
import ai.legion.eval.runner.Task;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code legion eval loc|exp|det|robust|report|probe}: evaluate a LEGION model (or another tool's stored predictions)
 * on SynthScars/scars-sim, LOKI, RichHF-18K or UniversalFakeDetect, resumably, and write the report.
 *
 * <p>Output folder ({@code --out}, default {@code eval-<runner>}): {@code results-<condition>.jsonl} (one line per
 * image, appended as images finish; a rerun skips the ids already there), {@code run.json} (what was run, so
 * that {@code legion eval report --out DIR} can rebuild the report), {@code report.html}, {@code report.md},
 * {@code report.json}. Exit code: 0 = every image scored, 3 = some images failed (recorded with the reason) and
 * the others were scored, 1 = no image could be scored or another runtime failure, 2 = bad arguments, an
 * unreadable dataset or model.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        header = "Evaluate localization, explanation and detection as the paper does.",
        description = {"Evaluate localization (mIoU/F1), explanation (ROUGE-L/CSS) and detection (accuracy/AP) like "
                + "the paper's Tables 2, 3, 5 and 10; score a model or another tool's stored predictions; write an "
                + "HTML report."},
        subcommands = {EvalCommand.Loc.class, EvalCommand.Exp.class, EvalCommand.Det.class, EvalCommand.Robust.class,
            EvalCommand.Report.class, EvalProbeCommand.class})
public final class EvalCommand implements Runnable {

    /** The run description file in the output folder. */
    static final String RUN_FILE = "run.json";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Runs {@code legion eval} on its own (the same as {@code legion eval ...} once registered in the CLI). */
    public static void main(String[] args) {
        System.exit(new CommandLine(new EvalCommand()).execute(args));
    }

    /** Runs {@code body}, mapping bad input to exit code 2 with a one-line message. */
    static int guarded(CommandLine.Model.CommandSpec spec, Callable<Integer> body) throws Exception {
        try {
            return body.call();
        } catch (DatasetException | IllegalArgumentException | CheckpointException | DatasetException.Unchecked
                | IOException e) {
            LegionCli.printError(spec.commandLine().getErr(), spec.commandLine().getColorScheme(), "legion", e);
            return LegionCli.exitCode(e);
        }
    }

    /** Prints the Markdown summary (its strings are escaped already; this keeps any other byte off the terminal). */
    static void printReport(CommandLine.Model.CommandSpec spec, EvalReport.Files files) throws IOException {
        PrintWriter stdout = spec.commandLine().getOut();
        stdout.print(SafeText.forTerminal(Files.readString(files.markdown()), SafeText.UNLIMITED));
        stdout.println("report: " + SafeText.forTerminalLine(files.html()));
        stdout.flush();
    }

    /** The shared flow of {@code loc}, {@code exp}, {@code det} and {@code robust}. */
    abstract static class Runner implements Callable<Integer> {

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Mixin
        EvalOptions o;

        /** The tasks evaluated. */
        abstract Set<Task> tasks();

        /** The perturbations after the clean run (none for a plain runner). */
        abstract List<ImagePerturbation> perturbations();

        /** The default output folder name. */
        abstract String name();

        /** The single perturbation of a plain runner, or null. */
        ImagePerturbation single() {
            return null;
        }

        @Override
        public Integer call() throws Exception {
            return guarded(spec, this::execute);
        }

        private Integer execute() throws Exception {
            Set<Task> tasks = EnumSet.copyOf(tasks());
            ImagePerturbation one = single();
            List<ImagePerturbation> sweep = perturbations();
            if ((o.model == null) == (o.predictions == null)) {
                throw new IllegalArgumentException("give either --model DIR (evaluate a LEGION model) or --predictions "
                        + "PATH (score another tool's outputs)");
            }
            if (o.predictions != null && !Files.exists(o.predictions)) {
                throw new IllegalArgumentException(o.predictions + ": predictions not found");
            }
            if (o.model != null && !Files.isDirectory(o.model)) {
                throw new IllegalArgumentException(o.model + ": model folder not found");
            }
            if (o.predictions != null && (!sweep.isEmpty() || one != null)) {
                throw new IllegalArgumentException("--predictions holds outputs for the clean images: perturbations "
                        + "need --model");
            }
            Path out = o.out != null ? o.out : Path.of("eval-" + name());
            Task primary = tasks.contains(Task.DETECTION) && tasks.size() == 1 ? Task.DETECTION : Task.LOCALIZATION;
            EvalData data = EvalData.open(o.data, primary, o.dataOptions(out));
            Files.createDirectories(out);
            removeStaleTemporaries(out);
            List<String> conditions = new ArrayList<>();
            conditions.add(Evaluation.conditionName(one));
            if (!sweep.isEmpty()) {
                sweep.forEach(p -> conditions.add(Evaluation.conditionName(p)));
            }
            Set<Task> earlier = earlierTasks(out, data, conditions, !sweep.isEmpty());
            if (!tasks.containsAll(earlier)) {
                tasks.addAll(earlier);
                PrintWriter err = spec.commandLine().getErr();
                err.println("legion: " + SafeText.forTerminalLine(out) + " holds an earlier run of the same model and "
                        + "data: reporting " + String.join("+", tasks.stream().map(Task::shortName).toList())
                        + " (images analyzed before are not analyzed again)");
                err.flush();
            }
            RougeL rouge = new RougeL(!o.noStemmer);
            try (PredictionSource source = source(tasks); Css css = o.cssModel == null ? null : Css.load(o.cssModel)) {
                source.check(tasks);
                Evaluation.Builder eval = Evaluation.of(tasks).predictions(source).data(data).limit(o.limit)
                        .seed(o.seed).rouge(rouge).css(css).threshold(o.threshold).progress(!o.noProgress)
                        .imageOptions(o.imageOptions());
                String dataset = datasetLabel(data);
                String title = o.title != null ? o.title : "LEGION evaluation: " + name() + " on " + dataset;
                EvalResult main;
                RobustnessTable table = null;
                if (sweep.isEmpty()) {
                    writeRun(out, tasks, data, source.name(), dataset, title, conditions, false);
                    main = eval.perturbation(one).resultsFile(out.resolve(RobustnessSuite.resultsFileName(
                            conditions.get(0)))).run();
                } else {
                    writeRun(out, tasks, data, source.name(), dataset, title, conditions, true);
                    RobustnessSuite.Result r = RobustnessSuite.builder().evaluation(eval).perturbations(sweep)
                            .resultsDir(out).run();
                    main = r.clean();
                    table = r.table();
                }
                EvalReport.Files files = EvalReport.builder().title(title).dataset(dataset).source(source.name())
                        .summary(main.summary()).results(main.results()).robustness(table).gallery(o.gallery)
                        .stemming(!o.noStemmer)
                        .fact("data", o.data.toAbsolutePath().normalize() + " (" + data.layout() + ", split "
                                + o.split + ")")
                        .fact("results", out.toAbsolutePath().normalize().toString())
                        .fact("resumed / evaluated now", main.resumed() + " / " + main.evaluated())
                        .imageOptions(o.imageOptions()).write(out);
                printReport(spec, files);
                int failed = main.summary().failed();
                if (failed > 0) {
                    PrintWriter err = spec.commandLine().getErr();
                    err.println("legion: " + failed + " of " + main.summary().images() + " images could not be scored; "
                            + "first: " + SafeText.forTerminalLine(main.failures().get(0).id() + ": "
                                    + main.failures().get(0).error()));
                    err.flush();
                }
                // some images scored and written: a partial batch; none: the evaluation failed
                return failed == 0 ? 0 : failed < main.summary().images() ? LegionCli.EXIT_PARTIAL : 1;
            }
        }

        /** Removes the temporary files a killed run's atomic writes left ({@code .NAME.tmp-UUID}). */
        private static void removeStaleTemporaries(Path out) throws IOException {
            try (java.util.stream.Stream<Path> s = Files.list(out)) {
                for (Path p : s.filter(f -> f.getFileName().toString().matches("\\..+\\.tmp-[0-9a-f-]{36}")).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }

        /**
         * The tasks of an earlier run of the same model, data and conditions in {@code out} (its results hold
         * every part the analyzer produced, so they are reported together instead of being overwritten).
         */
        private Set<Task> earlierTasks(Path out, EvalData data, List<String> conditions, boolean robust)
                throws IOException {
            Set<Task> found = EnumSet.noneOf(Task.class);
            Path runFile = out.resolve(RUN_FILE);
            if (o.model == null || !Files.isRegularFile(runFile)) {
                return found;
            }
            JsonNode prev = JSON.readTree(runFile.toFile());
            List<String> prevConditions = new ArrayList<>();
            prev.path("conditions").forEach(c -> prevConditions.add(c.asText()));
            boolean same = prev.path("data").asText().equals(o.data.toAbsolutePath().normalize().toString())
                    && prev.path("layout").asText().equals(data.layout().name())
                    && prev.path("split").asText().equals(o.split)
                    && prev.path("source").asText().equals(o.modelName())
                    && prev.path("robustness").asBoolean() == robust && prevConditions.equals(conditions);
            if (same) {
                prev.path("tasks").forEach(t -> found.add(Task.parse(t.asText())));
            }
            return found;
        }

        private PredictionSource source(Set<Task> tasks) throws Exception {
            if (o.model != null) {
                return o.analyzer();
            }
            ExternalPredictions.Builder b = ExternalPredictions.builder().missingAsEmpty(o.missingAsEmpty);
            if (tasks.contains(Task.LOCALIZATION)) {
                b.masks(o.predictions);
            }
            if (tasks.contains(Task.EXPLANATION)) {
                b.explanations(o.predictions);
            }
            if (tasks.contains(Task.DETECTION)) {
                b.scores(o.predictions);
            }
            return b.build();
        }

        private String datasetLabel(EvalData data) {
            Path p = o.data.toAbsolutePath().normalize();
            String name = p.getFileName() == null ? p.toString() : p.getFileName().toString();
            return switch (data.layout()) {
                case SYNTHSCARS, RICHHF_TFRECORD -> name + " " + o.split;
                case DETECTION_FOLDER -> name + (Files.isDirectory(p.resolve("detect").resolve(o.split))
                        || Files.isDirectory(p.resolve(o.split)) ? " " + o.split : "");
                default -> name;
            };
        }

        private void writeRun(Path out, Set<Task> tasks, EvalData data, String source, String dataset, String title,
                List<String> conditions, boolean robust) throws IOException {
            ObjectNode n = JSON.createObjectNode();
            n.put("format", "legion-eval-run");
            tasks.forEach(t -> n.withArray("tasks").add(t.shortName()));
            n.put("data", o.data.toAbsolutePath().normalize().toString());
            n.put("layout", data.layout().name());
            n.put("split", o.split);
            n.put("limit", o.limit);
            n.put("source", source);
            n.put("dataset", dataset);
            n.put("title", title);
            n.put("threshold", o.threshold);
            n.put("stemmer", !o.noStemmer);
            n.put("robustness", robust);
            conditions.forEach(c -> n.withArray("conditions").add(c));
            try { // whole or not at all: a rerun after a kill reads it to resume
                ai.legion.core.io.IoUtils.writeAtomically(out.resolve(RUN_FILE), JSON.writeValueAsBytes(n));
            } catch (CheckpointException e) {
                throw new IOException(e.getMessage(), e);
            }
        }
    }

    /** {@code loc}, {@code exp}, {@code det}: one task, on clean images or under one perturbation. */
    abstract static class SingleTask extends Runner {
        @Option(names = "--perturb", paramLabel = "PERTURBATION",
                description = "Evaluate under one perturbation (jpeg:50, noise:0.1, blur:5, blur:5+jpeg:50).")
        String perturb;

        private final Task task;
        private final String name;

        SingleTask(Task task, String name) {
            this.task = task;
            this.name = name;
        }

        @Override
        Set<Task> tasks() {
            return EnumSet.of(task);
        }

        @Override
        List<ImagePerturbation> perturbations() {
            return List.of();
        }

        @Override
        ImagePerturbation single() {
            return perturb == null ? null : Perturbations.parse(perturb);
        }

        @Override
        String name() {
            return name;
        }
    }

    @Command(name = "loc", mixinStandardHelpOptions = true,
            description = {"Localization: the predicted union mask against the ground-truth regions, per-image mIoU "
                    + "and pixel F1 overall and per content type (Table 2), with the empty/full-mask baselines."})
    static final class Loc extends SingleTask {
        Loc() {
            super(Task.LOCALIZATION, "loc");
        }
    }

    @Command(name = "exp", mixinStandardHelpOptions = true,
            description = {"Explanation: ROUGE-L (and CSS with --css-model) of the generated explanation against the "
                    + "reference caption (Table 3), with a constant-caption baseline. On data whose annotations "
                    + "record each scene's objects and each artifact's object and kind (scars-sim), also object "
                    + "accuracy, kind accuracy and hallucination rate with their baselines (docs/EVAL.md)."})
    static final class Exp extends SingleTask {
        Exp() {
            super(Task.EXPLANATION, "exp");
        }
    }

    @Command(name = "det", mixinStandardHelpOptions = true,
            description = {"Detection: p(fake) against the labels, accuracy/AP/AUC/EER per generator and their mean "
                    + "(Table 5). With --model only CLIP and the detection head run."})
    static final class Det extends SingleTask {
        Det() {
            super(Task.DETECTION, "det");
        }
    }

    @Command(name = "robust", mixinStandardHelpOptions = true,
            description = {"Robustness (Table 10): the evaluation on clean images and under JPEG quality 50/35/20, "
                    + "Gaussian noise sigma 0.1/0.2/0.3 and Gaussian blur kernel 5/9/15, with ratios perturbed / "
                    + "clean."})
    static final class Robust extends Runner {
        @Option(names = "--tasks", defaultValue = "loc", paramLabel = "LIST",
                description = "Tasks evaluated under each perturbation: loc, exp, det, comma-separated (default "
                        + "${DEFAULT-VALUE}).")
        String taskList;

        @Option(names = "--perturbations", paramLabel = "LIST", split = ",",
                description = "Perturbation specs (default: jpeg:50,jpeg:35,jpeg:20,noise:0.1,noise:0.2,noise:0.3,"
                        + "blur:5,blur:9,blur:15).")
        List<String> specs;

        @Override
        Set<Task> tasks() {
            return Task.parseAll(taskList);
        }

        @Override
        List<ImagePerturbation> perturbations() {
            if (specs == null || specs.isEmpty()) {
                return Perturbations.ROBUSTNESS_SUITE;
            }
            return specs.stream().map(Perturbations::parse).toList();
        }

        @Override
        String name() {
            return "robust";
        }
    }

    @Command(name = "report", mixinStandardHelpOptions = true,
            description = "Rebuild report.html/.md/.json of an output folder from its results files (no model needed).")
    static final class Report implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "An eval output folder.")
        Path out;

        @Option(names = "--gallery", defaultValue = "6", description = "Best/worst images shown (default ${DEFAULT-VALUE}).")
        int gallery;

        @Override
        public Integer call() throws Exception {
            return guarded(spec, this::execute);
        }

        private Integer execute() throws Exception {
            Path runFile = out.resolve(RUN_FILE);
            if (!Files.isRegularFile(runFile)) {
                throw new IllegalArgumentException(runFile + ": not found (expected the output folder of a legion "
                        + "eval run)");
            }
            JsonNode run = JSON.readTree(runFile.toFile());
            Set<Task> tasks = EnumSet.noneOf(Task.class);
            run.path("tasks").forEach(t -> tasks.add(Task.parse(t.asText())));
            double threshold = run.path("threshold").asDouble(0.5);
            RougeL rouge = new RougeL(run.path("stemmer").asBoolean(true));
            List<RobustnessTable.Row> rows = new ArrayList<>();
            List<ImageResult> cleanResults = null;
            EvalSummary cleanSummary = null;
            for (JsonNode c : run.path("conditions")) {
                String cond = c.asText();
                Path file = out.resolve(RobustnessSuite.resultsFileName(cond));
                List<ImageResult> results = new ArrayList<>(ResultsFile.read(file).results().values());
                EvalSummary s = EvalSummary.of(results, tasks, threshold, rouge);
                String[] fl = RobustnessTable.familyAndLevel(cond);
                rows.add(new RobustnessTable.Row(cond, fl[0], fl[1], s));
                if (cleanResults == null) {
                    cleanResults = results;
                    cleanSummary = s;
                }
            }
            if (cleanSummary == null) {
                throw new IllegalArgumentException(runFile + ": lists no condition");
            }
            EvalReport.Files files = EvalReport.builder().title(run.path("title").asText("LEGION evaluation"))
                    .dataset(run.path("dataset").asText("")).source(run.path("source").asText(""))
                    .summary(cleanSummary).results(cleanResults)
                    .robustness(run.path("robustness").asBoolean(false) ? new RobustnessTable(rows) : null)
                    .gallery(gallery).stemming(run.path("stemmer").asBoolean(true))
                    .fact("data", run.path("data").asText() + " (" + run.path("layout").asText()
                            + ", split " + run.path("split").asText() + ")")
                    .fact("results", out.toAbsolutePath().normalize().toString()).write(out);
            printReport(spec, files);
            return 0;
        }
    }
}
