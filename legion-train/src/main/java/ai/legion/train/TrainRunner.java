package ai.legion.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.legion.data.sample.ClassIndex;
import ai.legion.core.config.ClipConfig;
import ai.legion.core.config.ClipImageProcessorConfig;
import ai.legion.core.config.ClipVisionConfig;
import ai.legion.core.config.LegionConfig;
import ai.legion.core.config.LoraConfig;
import ai.legion.core.config.SamConfig;
import ai.legion.core.image.ClipImageProcessor;
import ai.legion.core.image.ImageLoader;
import ai.legion.core.image.SamImageProcessor;
import ai.legion.core.io.CheckpointException;
import ai.legion.core.io.IoUtils;
import ai.legion.core.tokenizer.LegionTokenizer;
import ai.legion.data.ArtifactRecord;
import ai.legion.data.Authenticity;
import ai.legion.data.DatasetException;
import ai.legion.data.Ref;
import ai.legion.data.raster.MaskRasterizer;
import ai.legion.data.SceneFacts;
import ai.legion.data.dataset.Stage1Dataset;
import ai.legion.data.sample.Stage1SampleBuilder;
import ai.legion.data.synthscars.SynthScarsReader;
import ai.legion.models.LegionModel;
import ai.legion.models.Precision;
import ai.legion.models.lora.LoraAdapters;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.IntSupplier;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Runs a training configuration ({@link TrainConfig}) end to end: data, model, trainer, export. */
public final class TrainRunner {

    private final TrainConfig cfg;
    private final Path base;

    /**
     * @param configFile the config's path (relative paths in it are resolved against its folder)
     * @throws IllegalArgumentException when a value of {@code cfg} is out of range ({@link TrainConfig#validate()})
     */
    public TrainRunner(TrainConfig cfg, Path configFile) {
        cfg.validate();
        this.cfg = cfg;
        this.base = configFile.toAbsolutePath().getParent();
    }

    private Path path(String p) {
        return p == null ? null : base.resolve(p).normalize();
    }

    /** Stage 1: trains, exports to {@code output}, returns the step metrics. */
    public List<StepMetrics> stage1(TrainListener listener, boolean progress) throws IOException, CheckpointException,
            DatasetException {
        onlyForClip();
        Path data = require(path(cfg.data()), "data");
        try (LegionModel model = model()) {
            List<ArtifactRecord> train = records(data, TrainConfig.or(cfg.trainSplit(), "train"));
            List<ArtifactRecord> val = records(data, TrainConfig.or(cfg.valSplit(), "test"));
            Stage1Trainer.Builder b = Stage1Trainer.builder().model(model).train(dataset(model, train))
                    .trainable(trainable())
                    .epochs(TrainConfig.or(cfg.epochs(), 1)).maxSteps(TrainConfig.or(cfg.maxSteps(), 0L))
                    .stopAt(TrainConfig.or(cfg.stopAtStep(), 0L))
                    .batchSize(TrainConfig.or(cfg.batchSize(), 16)).accumulate(TrainConfig.or(cfg.accumulate(), 1))
                    .lr(TrainConfig.or(cfg.lr(), 1e-4)).warmup(TrainConfig.or(cfg.warmup(), 100L))
                    .clipNorm(TrainConfig.or(cfg.clipNorm(), 1.0))
                    .optimizer(ai.legion.train.optim.AdamW.Config.LEGION
                            .withWeightDecay(TrainConfig.or(cfg.weightDecay(), 0.0)))
                    .weights(new Stage1Objective.Weights(TrainConfig.or(cfg.ceWeight(), 1.0),
                            TrainConfig.or(cfg.bceWeight(), 0.4), TrainConfig.or(cfg.diceWeight(), 0.2)))
                    .seed(TrainConfig.or(cfg.seed(), 0L)).checkpointDir(path(cfg.checkpointDir()))
                    .checkpointEvery(TrainConfig.or(cfg.checkpointEvery(), 0L))
                    .validateEvery(TrainConfig.or(cfg.validateEvery(), 0L)).metricsFile(path(cfg.metricsFile()))
                    .prefetchThreads(TrainConfig.or(cfg.prefetchThreads(), 2)).progress(progress);
            if (!val.isEmpty()) {
                b.validate(dataset(model, val));
            }
            b.lora(lora());
            if (listener != null) {
                b.listener(listener);
            }
            Stage1Trainer trainer = b.build().resume();
            List<StepMetrics> history = trainer.fit();
            Path out = path(cfg.output());
            if (out != null && trainer.step() >= trainer.totalSteps()) { // not when stopped early to resume
                LoraAdapters.mergeAndUnloadAll(model.llm()); // the folder holds the base keys only
                model.save(out, savePrecision());
            }
            return history;
        }
    }

    /**
     * Vision pretraining ({@link ClipPretrainer}): contrastive training of a CLIP created from
     * {@code create.clip_config} (an HF {@code CLIPConfig}) on the image/caption pairs of {@code data}
     * (SynthScars layout), written to {@code output} as a CLIP folder that stage 1 takes as {@code create.clip}.
     *
     * @return the step metrics of this call
     */
    public List<StepMetrics> clip(TrainListener listener, boolean progress) throws IOException, CheckpointException,
            DatasetException {
        Path data = require(path(cfg.data()), "data");
        JsonNode c = cfg.create();
        if (cfg.model() != null || c == null || c.isNull() || c.get("clip_config") == null) {
            throw new IllegalArgumentException("vision pretraining needs \"create\" with \"clip_config\" (an HF "
                    + "CLIPConfig with text_config and vision_config) and \"tokenizer\"; \"model\" does not apply");
        }
        Path tmp = Files.createTempDirectory("legion-create");
        ClipConfig config;
        try {
            config = ClipConfig.read(write(tmp, "clip.json", c.get("clip_config")));
        } finally {
            IoUtils.deleteRecursively(tmp);
        }
        Path tokenizerDir = require(path(c.path("tokenizer").asText(null)), "create.tokenizer");
        String trainSplit = TrainConfig.or(cfg.trainSplit(), "train");
        List<ArtifactRecord> trainRecords = records(data, trainSplit); // read once: vocabulary and pairs
        List<String> vocabulary = factVocabulary(trainRecords);
        try (LegionTokenizer tokenizer = LegionTokenizer.load(tokenizerDir)) {
            ClipPretrainer.Builder b = ClipPretrainer.builder().config(config).tokenizer(tokenizer)
                    .train(pairs(trainRecords, trainSplit, vocabulary))
                    .device(device()).std((float) c.path("std").asDouble(0.02))
                    .epochs(TrainConfig.or(cfg.epochs(), 1)).maxSteps(TrainConfig.or(cfg.maxSteps(), 0L))
                    .batchSize(TrainConfig.or(cfg.batchSize(), 128)).lr(TrainConfig.or(cfg.lr(), 5e-4))
                    .warmup(TrainConfig.or(cfg.warmup(), 100L)).clipNorm(TrainConfig.or(cfg.clipNorm(), 1.0))
                    .weightDecay(TrainConfig.or(cfg.weightDecay(), 0.2)).seed(TrainConfig.or(cfg.seed(), 0L))
                    .checkpointDir(path(cfg.checkpointDir())).checkpointEvery(TrainConfig.or(cfg.checkpointEvery(), 0L))
                    .validateEvery(TrainConfig.or(cfg.validateEvery(), 0L)).metricsFile(path(cfg.metricsFile()))
                    .prefetchThreads(TrainConfig.or(cfg.prefetchThreads(), 1)).progress(progress)
                    .hardNegatives(cfg.hardNegatives() == null ? null : new HardNegatives(cfg.hardNegatives()))
                    .tagWeight(TrainConfig.or(cfg.tagWeight(), 0.0))
                    .regionWeight(TrainConfig.or(cfg.regionWeight(), 0.0))
                    .contrastiveWeight(TrainConfig.or(cfg.contrastiveWeight(), 1.0));
            String valSplit = TrainConfig.or(cfg.valSplit(), "test");
            List<ClipPretrainer.Pair> val = pairs(records(data, valSplit), valSplit, vocabulary);
            if (!val.isEmpty()) {
                b.validate(val);
            }
            if (listener != null) {
                b.listener(listener);
            }
            try (ClipPretrainer trainer = b.build().resume()) {
                List<StepMetrics> history = trainer.fit();
                if (val.size() < TrainConfig.or(cfg.batchSize(), 128)) {
                    System.out.printf("vision pretraining: no held-out figures (%d held-out pairs, fewer than "
                            + "batch_size %d)%n", val.size(), TrainConfig.or(cfg.batchSize(), 128));
                } else {
                    ClipPretrainer.Validation v = trainer.validate();
                    System.out.printf("vision pretraining, held-out:%s%s%n", Double.isNaN(v.loss()) ? ""
                            : String.format(" loss %.4f, top-1 retrieval image->text %.3f, text->image %.3f (batches "
                                    + "of %d)", v.loss(), v.imageToText(), v.textToImage(),
                                    TrainConfig.or(cfg.batchSize(), 128)), (Double.isNaN(v.hardNegative()) ? ""
                                    : String.format(", caption above its hard negative %.3f", v.hardNegative()))
                                    + (Double.isNaN(v.tagAccuracy()) ? "" : String.format(", tag accuracy %.3f %s",
                                            v.tagAccuracy(), v.tagAccuracies()))
                                    + (Double.isNaN(v.regionAccuracy()) ? "" : String.format(", region balanced "
                                            + "accuracy %.3f %s", v.regionAccuracy(), v.regionAccuracies())));
                }
                Path out = path(cfg.output());
                if (out != null && trainer.step() >= trainer.totalSteps()) {
                    trainer.save(out);
                }
                return history;
            }
        }
    }

    /** Keys of vision pretraining are an error elsewhere rather than silently ignored. */
    private void onlyForClip() {
        Map<String, Object> clipOnly = new java.util.LinkedHashMap<>();
        clipOnly.put("hard_negatives", cfg.hardNegatives());
        clipOnly.put("tag_weight", cfg.tagWeight());
        clipOnly.put("tags", cfg.tags());
        clipOnly.put("contrastive_weight", cfg.contrastiveWeight());
        clipOnly.put("detect_data", cfg.detectData());
        clipOnly.put("region_weight", cfg.regionWeight());
        clipOnly.put("region_tags", cfg.regionTags());
        for (Map.Entry<String, Object> e : clipOnly.entrySet()) {
            if (e.getValue() != null) {
                throw new IllegalArgumentException("config key '" + e.getKey() + "' applies to vision pretraining "
                        + "(train clip) only");
            }
        }
    }

    /**
     * The pairs of vision pretraining from one split: the image/caption pairs of the SynthScars records that have a
     * caption, labelled on the {@code vocabulary} of scene-fact tags if the record has scene facts (and, with the
     * region term, carrying each artifact's mask and tags), then, with {@code detect_data}, that folder's images of
     * the split labelled only on the tag {@code fake} (real ones also as free of artifacts).
     */
    private List<ClipPretrainer.Pair> pairs(List<ArtifactRecord> records, String split, List<String> vocabulary)
            throws DatasetException {
        List<ClipPretrainer.Pair> out = new ArrayList<>();
        boolean regions = TrainConfig.or(cfg.regionWeight(), 0.0) > 0;
        for (ArtifactRecord r : records) {
            if (r.caption() != null && !r.caption().isBlank()) {
                ClipPretrainer.Pair p = r.sceneFacts().isEmpty() || vocabulary.isEmpty() ? new ClipPretrainer.Pair(
                        r.image(), r.caption()) : ClipPretrainer.Pair.tagged(r.image(), r.caption(),
                        tags(r.sceneFacts().get()), vocabulary);
                out.add(regions && r.sceneFacts().isPresent() ? p.withRegions(regions(r, cfg.regionTags())) : p);
            }
        }
        Path detect = path(cfg.detectData());
        if (detect != null) {
            for (ArtifactRecord r : detection(require(detect, "detect_data"), split)) {
                // no caption: these images train the supervised terms only (the config requires contrastive_weight 0)
                ClipPretrainer.Pair p = new ClipPretrainer.Pair(r.image(), "", Map.of(FAKE_TAG,
                        r.authenticity() == Authenticity.FAKE));
                // a real image has no artifact anywhere; a fake one's are not annotated (its patches are unscored)
                out.add(regions && r.authenticity() == Authenticity.REAL ? p.withRegions(List.of()) : p);
            }
        }
        return out;
    }

    /** The tag a detection folder's images are labelled on: present for {@code 1_fake}, absent for {@code 0_real}. */
    static final String FAKE_TAG = "fake";

    /** Sorted scene-fact tags of the records, only those starting with one of {@code tags} when that key is set. */
    private List<String> factVocabulary(List<ArtifactRecord> records) {
        List<String> prefixes = cfg.tags();
        TreeSet<String> all = new TreeSet<>();
        for (ArtifactRecord r : records) {
            r.sceneFacts().ifPresent(f -> tags(f).stream()
                    .filter(t -> prefixes == null || prefixes.stream().anyMatch(t::startsWith)).forEach(all::add));
        }
        return List.copyOf(all);
    }

    /**
     * The supervised tags of a scene: {@code object:T} for each object type in it, {@code kind:K} for each
     * artifact kind and {@code artifact_on:T} for each object type that carries an artifact.
     */
    static List<String> tags(SceneFacts f) {
        TreeSet<String> t = new TreeSet<>();
        f.objects().forEach(o -> t.add("object:" + o.type()));
        for (SceneFacts.RefFacts r : f.refs()) {
            t.add("kind:" + r.kind());
            t.add("artifact_on:" + r.object());
        }
        return List.copyOf(t);
    }

    /**
     * The regions of a record with scene facts: each ref's mask (rasterized as stage 1's training masks are) with the
     * tags {@code kind:K}, {@code object:T} (the object it is on), {@code category:C} and {@code artifact}, kept when
     * they start with one of {@code prefixes} (all when null).
     */
    static List<ClipPretrainer.Region> regions(ArtifactRecord r, List<String> prefixes) {
        MaskRasterizer rasterizer = MaskRasterizer.training();
        List<ClipPretrainer.Region> out = new ArrayList<>();
        for (int i = 0; i < r.refs().size(); i++) {
            Ref ref = r.refs().get(i);
            int index = i;
            SceneFacts.RefFacts f = r.sceneFacts().get().refs().get(i);
            List<String> tags = new ArrayList<>(List.of("kind:" + f.kind(), "object:" + f.object(),
                    "category:" + f.category(), "artifact"));
            tags.removeIf(t -> prefixes != null && prefixes.stream().noneMatch(t::startsWith));
            if (!tags.isEmpty()) {
                out.add(new ClipPretrainer.Region((h, w) -> {
                    try {
                        return rasterizer.rasterize(ref.region(), h, w);
                    } catch (DatasetException e) {
                        throw new IOException(r.image() + ": ref " + index + ": " + e.getMessage(), e);
                    }
                }, java.util.Set.copyOf(tags)));
            }
        }
        return out;
    }

    /**
     * Writes the model of a stage-1 training checkpoint (LoRA merged) as a LEGION folder the analyzer
     * loads: the configured model with the checkpoint's trainable weights.
     *
     * @param checkpoint a {@code step-N} folder, or null for the latest under {@code checkpoint_dir}
     * @param out the folder to write, or null for {@code output}
     * @return the folder written
     */
    public Path export(Path checkpoint, Path out) throws IOException, CheckpointException {
        Path dir = checkpoint;
        if (dir == null) {
            Path root = require(path(cfg.checkpointDir()), "checkpoint_dir");
            dir = TrainingCheckpoint.latest(root);
            if (dir == null) {
                throw new IllegalArgumentException(root + " holds no checkpoint (no 'latest' file)");
            }
        }
        Path target = out != null ? out : path(cfg.output());
        if (target == null) {
            throw new IllegalArgumentException("no folder to export to: pass one or set \"output\" in the config");
        }
        try (LegionModel model = model()) {
            LoraConfig lora = lora();
            if (lora != null) {
                LoraAdapters.apply(model.llm(), "", lora, LoraAdapters.LEGION_EXCLUDED, TrainConfig.or(cfg.seed(), 0L),
                        model.llm().dataType());
            }
            List<ai.legion.train.optim.TrainableParameter> params = Trainables.apply(model.weightMap(true),
                    trainable());
            TrainingCheckpoint.restoreWeights(dir, params);
            for (ai.legion.train.optim.TrainableParameter p : params) {
                p.parameter().getArray().setRequiresGradient(false);
            }
            LoraAdapters.mergeAndUnloadAll(model.llm()); // the folder holds the base keys only
            model.save(target, savePrecision());
        }
        return target;
    }

    /**
     * The configured device: {@code cpu}, {@code gpu} or {@code gpu:N}, checked against the GPUs the engine
     * reports (libtorch's own message for a missing device names neither the key nor what exists).
     */
    Device device() {
        return device(cfg.device(), Engine.getInstance()::getGpuCount);
    }

    /**
     * {@code value} of the {@code device} key as a device, {@code gpus} asked only for a GPU.
     *
     * @throws IllegalArgumentException naming the key and the GPU count when the index is not below it
     */
    static Device device(String value, IntSupplier gpus) {
        String d = TrainConfig.or(value, "cpu").trim().toLowerCase(java.util.Locale.ROOT);
        if (d.equals("cpu")) {
            return Device.cpu();
        }
        int index;
        if (d.equals("gpu") || d.equals("cuda")) {
            index = 0;
        } else if (d.matches("(gpu|cuda):\\d{1,3}")) {
            index = Integer.parseInt(d.substring(d.indexOf(':') + 1));
        } else {
            throw new IllegalArgumentException("config key 'device' is \"" + value + "\", expected cpu, gpu or gpu:N");
        }
        int count = gpus.getAsInt();
        if (index >= count) {
            throw new IllegalArgumentException("config key 'device' is \"" + value + "\", but the engine reports "
                    + count + " GPU(s)" + (count == 0 ? "; use \"cpu\"" : ": valid indices are 0.." + (count - 1)));
        }
        return Device.gpu(index);
    }

    private Precision precision() {
        String p = TrainConfig.or(cfg.precision(), "float32");
        return switch (p.toLowerCase(java.util.Locale.ROOT)) {
            case "float32", "fp32" -> Precision.FLOAT32;
            case "float16", "fp16" -> Precision.FLOAT16;
            default -> throw new IllegalArgumentException("precision must be float32 or float16, got \"" + p + "\"");
        };
    }

    private LegionModel.SavePrecision savePrecision() {
        return "float32".equalsIgnoreCase(cfg.savePrecision()) ? LegionModel.SavePrecision.FLOAT32
                : LegionModel.SavePrecision.MIXED_BF16;
    }

    /** The configured LoRA (config values over LEGION's defaults), or null for none. */
    private LoraConfig lora() {
        JsonNode l = cfg.lora();
        if (l == null || l.isNull()) {
            return null;
        }
        LoraConfig d = LoraConfig.legionDefault(LoraConfig.LLAMA_DEFAULT_TARGETS);
        return new LoraConfig(d.peftType(), l.path("r").asInt(d.r()), l.path("alpha").asInt(d.loraAlpha()),
                l.path("dropout").asDouble(d.loraDropout()), d.targetModules(), d.bias(), d.taskType(), false, null,
                false, null);
    }

    /**
     * Stage 2: trains the detection head of {@code model} on {@code data/<train_split>/{0_real,1_fake}}
     * and reports the accuracy on {@code data/<val_split>}; exports to {@code output}.
     */
    public List<StepMetrics> stage2(TrainListener listener, boolean progress) throws IOException, CheckpointException,
            DatasetException {
        onlyForClip();
        Path data = require(path(cfg.data()), "data");
        if (cfg.model() == null) {
            throw new IllegalArgumentException("stage 2 needs \"model\": the stage-1 model folder");
        }
        try (LegionModel model = LegionModel.loader().model(path(cfg.model())).freshDetectionHead(true)
                .device(device()).precision(precision()).load()) {
            ClipImageProcessor processor = new ClipImageProcessor(ClipImageProcessorConfig.square(
                    model.clipConfig().imageSize()));
            Stage2Trainer t = Stage2Trainer.builder().model(model).classes(ClassIndex.LEGION)
                    .epochs(TrainConfig.or(cfg.epochs(), 3)).batchSize(TrainConfig.or(cfg.batchSize(), 64))
                    .lr(TrainConfig.or(cfg.lr(), 1e-3)).seed(TrainConfig.or(cfg.seed(), 0L))
                    .standardize(TrainConfig.or(cfg.standardizeFeatures(), false))
                    .balanced(TrainConfig.or(cfg.balanced(), false)).build();
            ImageLoader loader = new ImageLoader();
            Stage2Trainer.Features train = features(t, model, data, TrainConfig.or(cfg.trainSplit(), "train"),
                    processor, loader);
            Stage2Trainer.Result r = t.fit(train);
            writeMetrics(r.history());
            Stage2Trainer.Features test = features(t, model, data, TrainConfig.or(cfg.valSplit(), "test"), processor,
                    loader);
            double testAcc = t.accuracy(test);
            java.util.Map<String, Double> m = new java.util.LinkedHashMap<>();
            m.put("train/accuracy", r.trainAccuracy());
            m.put("val/accuracy", testAcc);
            if (listener != null) {
                listener.onValidation(r.history().size(), m);
            }
            System.out.printf("stage 2: train accuracy %.4f (%d images), held-out accuracy %.4f (%d images)%n",
                    r.trainAccuracy(), train.y().length, testAcc, test.y().length);
            Path out = path(cfg.output());
            if (out != null) {
                model.save(out, savePrecision());
            }
            return r.history();
        }
    }

    /** CLS features of a split, from the cache folder when it holds them for these model files and records. */
    private Stage2Trainer.Features features(Stage2Trainer t, LegionModel model, Path data, String split,
            ClipImageProcessor processor, ImageLoader loader) throws IOException, CheckpointException, DatasetException {
        List<ArtifactRecord> records = detection(data, split);
        Path dir = path(cfg.featureCache());
        if (dir == null) {
            return t.features(records, processor, loader);
        }
        String tag = fingerprint(path(cfg.model()), records);
        Path file = dir.resolve(split + ".features.safetensors");
        Stage2Trainer.Features cached = Stage2Trainer.Features.load(file, tag);
        if (cached != null) {
            return cached;
        }
        Stage2Trainer.Features f = t.features(records, processor, loader);
        Files.createDirectories(dir);
        f.save(file, tag);
        return f;
    }

    /** SHA-256 over the model folder's files (name, size, mtime) and the records (id, image, label). */
    static String fingerprint(Path modelDir, List<ArtifactRecord> records) throws IOException {
        java.security.MessageDigest md;
        try {
            md = java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        StringBuilder sb = new StringBuilder();
        try (var files = Files.walk(modelDir, 2)) {
            for (Path p : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
                sb.append(modelDir.relativize(p)).append('|').append(Files.size(p)).append('|')
                        .append(Files.getLastModifiedTime(p).toMillis()).append('\n');
            }
        }
        for (ArtifactRecord r : records) {
            sb.append(r.id()).append('|').append(r.image()).append('|').append(r.authenticity()).append('\n');
        }
        return java.util.HexFormat.of().formatHex(md.digest(sb.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    /** Stage 2 always runs from its first step: its metrics replace the file of an earlier run. */
    private void writeMetrics(List<StepMetrics> history) throws IOException {
        Path file = path(cfg.metricsFile());
        if (file != null) {
            MetricsFile.replace(file, history);
        }
    }

    private static List<ArtifactRecord> detection(Path root, String split) throws DatasetException {
        List<ArtifactRecord> out = new ArrayList<>();
        try (ai.legion.data.folder.DetectionFolderReader r = new ai.legion.data.folder.DetectionFolderReader(root, split)) {
            r.forEach(out::add);
        }
        return out;
    }

    /** The model to train: loaded from {@code model} or created from {@code create}. */
    LegionModel model() throws IOException, CheckpointException {
        if (cfg.model() != null) {
            return LegionModel.loader().model(path(cfg.model())).device(device()).precision(precision()).load();
        }
        JsonNode c = cfg.create();
        if (c == null || c.isNull()) {
            throw new IllegalArgumentException("the config needs \"model\" (a LEGION folder) or \"create\" (sizes)");
        }
        if (precision() != Precision.FLOAT32) {
            throw new IllegalArgumentException("\"precision\": \"float16\" applies to a model loaded from \"model\"; "
                    + "a model created from \"create\" starts in float32");
        }
        Path tmp = Files.createTempDirectory("legion-create");
        try {
            LegionConfig legion = LegionConfig.read(write(tmp, "legion.json", c.get("legion_config")));
            Path clipDir = c.hasNonNull("clip") ? require(path(c.get("clip").asText()), "create.clip") : null;
            if (clipDir != null && c.hasNonNull("clip_config")) {
                throw new IllegalArgumentException("create: give \"clip\" (a pretrained CLIP folder) or \"clip_config\""
                        + " (a vision tower created at random), not both");
            }
            ClipVisionConfig clip = clipDir != null ? ClipVisionConfig.read(clipDir.resolve("config.json"))
                    : ClipVisionConfig.read(write(tmp, "clip.json", c.get("clip_config")));
            SamConfig sam = c.get("sam_config").isTextual() ? SamConfig.preset(c.get("sam_config").asText())
                    : SamConfig.read(write(tmp, "sam.json", c.get("sam_config")));
            Path tokenizer = require(path(c.path("tokenizer").asText(null)), "create.tokenizer");
            LegionModel m = LegionModel.create(legion, clip, sam, tokenizer, c.path("detection_head").asBoolean(true),
                    device(), (float) c.path("std").asDouble(0.02), TrainConfig.or(cfg.seed(), 0L));
            if (clipDir != null) {
                try {
                    m.loadVisionTower(clipDir);
                } catch (CheckpointException | RuntimeException e) {
                    m.close();
                    throw e;
                }
            }
            return m;
        } finally {
            try (var s = Files.list(tmp)) {
                for (Path p : (Iterable<Path>) s::iterator) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(tmp);
        }
    }

    private static Path write(Path dir, String name, JsonNode node) throws IOException {
        if (node == null || node.isNull()) {
            throw new IllegalArgumentException("create." + name.replace(".json", "_config") + " is required");
        }
        Path f = dir.resolve(name);
        new ObjectMapper().writeValue(f.toFile(), node);
        return f;
    }

    static Stage1Dataset dataset(LegionModel m, List<ArtifactRecord> records) {
        Stage1SampleBuilder sb = new Stage1SampleBuilder(m.tokenizer(),
                new ClipImageProcessor(ClipImageProcessorConfig.square(m.clipConfig().imageSize())),
                SamImageProcessor.of(m.samConfig()), new ImageLoader(), Stage1SampleBuilder.trainingMasks(), null,
                m.numImageTokens());
        return Stage1Dataset.builder().records(records).sampleBuilder(sb).setSampling(1, false).build();
    }

    static List<ArtifactRecord> records(Path root, String split) throws DatasetException {
        List<ArtifactRecord> out = new ArrayList<>();
        Path ann = root.resolve(split);
        if (!Files.isDirectory(ann)) {
            return out;
        }
        try (SynthScarsReader r = SynthScarsReader.open(root, split)) {
            r.forEach(out::add);
        }
        return out;
    }

    /** The {@code trainable} preset minus the keys a {@code frozen} pattern matches. */
    Predicate<String> trainable() {
        Predicate<String> preset = trainable(TrainConfig.or(cfg.trainable(), "legion_stage1"));
        List<String> frozen = TrainConfig.or(cfg.frozen(), List.of());
        List<Pattern> patterns = new ArrayList<>();
        for (String f : frozen) {
            try {
                patterns.add(Pattern.compile(f));
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("frozen: \"" + f + "\" is not a regular expression: "
                        + e.getDescription(), e);
            }
        }
        return key -> preset.test(key) && patterns.stream().noneMatch(p -> p.matcher(key).find());
    }

    static Predicate<String> trainable(String name) {
        return switch (name) {
            case "legion_stage1" -> Trainables.LEGION_STAGE1;
            case "legion_stage2" -> Trainables.LEGION_STAGE2;
            case "all" -> Trainables.ALL;
            default -> throw new IllegalArgumentException("trainable must be legion_stage1, legion_stage2 or all, got "
                    + name);
        };
    }

    private static Path require(Path p, String what) {
        if (p == null || !Files.exists(p)) {
            throw new IllegalArgumentException("\"" + what + "\" " + (p == null ? "is required" : p + " does not exist"));
        }
        return p;
    }
}
