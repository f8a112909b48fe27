package ai.legion.data.sim;

import ai.legion.core.io.CheckpointException;
import ai.legion.core.io.IoUtils;
import ai.legion.core.report.BinaryMask;
import ai.legion.data.synthscars.SynthScarsReader;
import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * "scars-sim": a procedural artifact dataset in the exact SynthScars layout and schema (its dataset card),
 * plus real and fake images for stage-2 detection in a UniversalFakeDetect-style layout:
 *
 * <pre>
 * ROOT/train/images/train_000000.png …    ROOT/train/annotations/train.json
 * ROOT/test/images/test_000000.png …      ROOT/test/annotations/test.json
 * ROOT/detect/{train,test}/0_real/real_000000.png …
 * ROOT/detect/{train,test}/1_fake/fake_000000.png …
 * ROOT/stats.json
 * </pre>
 *
 * <p>Scenes are a background (street, room, field, beach) lit from the left or right, with a visible
 * light source and consistent shadows (and floor reflections indoors), and 1–4 objects of different
 * types (ball, box, house, tree, person, car, sign). Fake images carry 1–3 artifacts of SynthScars'
 * three categories (structure: extra, missing or deformed parts, melted edges; distortion: colour
 * blotches, noise patches, smears; physics: shadows toward the light, mismatched shadows and
 * reflections, highlights on the dark side) and a periodic generator fingerprint. Each artifact is a
 * ref: a phrase naming the object part, a templated explanation and one polygon. Real images are the
 * same generator without artifacts or fingerprint.
 *
 * <p>Deterministic: image {@code i} of each stream is drawn from a generator seeded with
 * {@code (seed, stream, i)}, so the output does not depend on the thread count, and the same config
 * gives the same bytes (the JDK PNG writer adds no timestamps).
 */
public final class ScarsSimGenerator {

    /** Name of the statistics file under the root. */
    public static final String STATS_FILE = "stats.json";

    static final int STREAM_TRAIN = 1;
    static final int STREAM_TEST = 2;
    static final int STREAM_DETECT_TRAIN_REAL = 3;
    static final int STREAM_DETECT_TRAIN_FAKE = 4;
    static final int STREAM_DETECT_TEST_REAL = 5;
    static final int STREAM_DETECT_TEST_FAKE = 6;

    private static final List<String> OUTPUTS = List.of("train", "test", "detect", STATS_FILE);

    private ScarsSimGenerator() {
    }

    /** One ref of a rendered image, with the object it is on ({@link ObjectType#noun} and its named form). */
    record RenderedRef(String sentence, String explanation, double[] polygon, ArtifactKind kind, String object,
            String objectName) {
    }

    /** One object of a rendered scene: noun, colour word and the name the captions use ("person in red"). */
    record RenderedObject(String type, String colour, String name) {
    }

    /**
     * One rendered image: PNG bytes, caption (null for a real image), refs, every object of the scene, the
     * union of the ref polygons as a fraction of the image and the trivial predictors' per-image mIoU.
     */
    record Rendered(byte[] png, String caption, List<RenderedRef> refs, List<RenderedObject> objects,
            double unionFraction, double emptyMiou, double fullMiou) {
    }

    /** The seed of image {@code index} of a stream: SplitMix64 finalizers over the three numbers. */
    static long imageSeed(long seed, int stream, long index) {
        long z = mix64(seed + 0x9E3779B97F4A7C15L);
        z = mix64(z ^ (stream * 0xBF58476D1CE4E5B9L));
        return mix64(z ^ (index * 0x94D049BB133111EBL + 0x632BE59BD9B4E019L));
    }

    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Samples and renders one image. */
    static Rendered render(SimConfig cfg, long imageSeed, boolean fake) {
        SplittableRandom rng = new SplittableRandom(imageSeed);
        Scene scene = Scene.sample(cfg, rng, fake);
        Canvas canvas = SceneRenderer.render(scene, cfg, rng);
        byte[] png = encodePng(canvas);
        int n = cfg.imageSize();
        List<RenderedRef> refs = new ArrayList<>();
        List<double[]> polys = new ArrayList<>();
        for (Scene.Artifact a : scene.artifacts) {
            SceneObject o = a.target;
            refs.add(new RenderedRef(Captions.phrase(a), Captions.explanation(scene, a), a.polygon, a.kind, o.type.noun,
                    o.type.named(o.colour)));
            polys.add(a.polygon);
        }
        List<RenderedObject> objects = new ArrayList<>();
        for (SceneObject o : scene.objects) {
            objects.add(new RenderedObject(o.type.noun, o.colour.name(), o.type.named(o.colour)));
        }
        if (!fake) {
            return new Rendered(png, null, List.of(), List.copyOf(objects), 0, Double.NaN, Double.NaN);
        }
        BinaryMask gt = PolygonRaster.mask(polys, n, n);
        double empty = PolygonRaster.perImageMiou(BinaryMask.empty(n, n), gt);
        double full = PolygonRaster.perImageMiou(BinaryMask.full(n, n), gt);
        return new Rendered(png, Captions.caption(scene), List.copyOf(refs), List.copyOf(objects), gt.areaFraction(),
                empty, full);
    }

    private static byte[] encodePng(Canvas canvas) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(canvas.size * canvas.size * 2);
        ImageWriter writer = ImageIO.getImageWritersByFormatName("png").next();
        // an in-memory stream: no ImageIO disk cache, no shared state between threads
        try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(out);
            writer.write(canvas.toImage());
        } catch (IOException e) {
            throw new IllegalStateException("PNG encoding failed in memory: " + e, e);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }

    /**
     * Generates the dataset under {@code root}, refusing to touch an existing one.
     *
     * @throws IOException if {@code root} already holds generator output, or on a write failure
     */
    public static SimSummary generate(SimConfig config, Path root) throws IOException {
        return generate(config, root, false);
    }

    /**
     * Generates the dataset under {@code root}.
     *
     * @param config settings
     * @param root dataset root (created if missing)
     * @param overwrite delete earlier generator output ({@code train/}, {@code test/}, {@code detect/},
     *     {@code stats.json}; nothing else) first; when false, such output makes this fail
     * @return counts, area statistics and trivial baselines (also written to {@code stats.json})
     * @throws IOException on an existing output without {@code overwrite}, or a write failure
     */
    public static SimSummary generate(SimConfig config, Path root, boolean overwrite) throws IOException {
        long t0 = System.nanoTime();
        Files.createDirectories(root);
        for (String name : OUTPUTS) {
            Path p = root.resolve(name);
            if (Files.exists(p)) {
                if (!overwrite) {
                    throw new IOException(root + " already holds generator output (" + name
                            + "); delete it or pass overwrite");
                }
                IoUtils.deleteRecursively(p);
            }
        }
        ExecutorService pool = Executors.newFixedThreadPool(config.threads(), r -> {
            Thread t = new Thread(r, "scars-sim");
            t.setDaemon(true);
            return t;
        });
        try {
            Map<ArtifactKind, Integer> kinds = new EnumMap<>(ArtifactKind.class);
            List<String> firstTrainCaptions = new ArrayList<>();
            SimSummary.SplitStats train = writeScarsSplit(config, root, "train", config.trainCount(), 0, STREAM_TRAIN,
                    pool, kinds, null, firstTrainCaptions);
            // the constant-caption text baseline: the most typical of the first train captions
            String constant = firstTrainCaptions.isEmpty() ? null : CaptionBaseline.medoid(firstTrainCaptions);
            SimSummary.SplitStats test = writeScarsSplit(config, root, "test", config.testCount(), config.trainCount(),
                    STREAM_TEST, pool, kinds, constant, null);
            SimSummary.DetectStats dTrain = writeDetectSplit(config, root, "train", config.detectTrainCount(),
                    config.trainCount(), STREAM_DETECT_TRAIN_REAL, STREAM_DETECT_TRAIN_FAKE, pool);
            SimSummary.DetectStats dTest = writeDetectSplit(config, root, "test", config.detectTestCount(),
                    config.testCount(), STREAM_DETECT_TEST_REAL, STREAM_DETECT_TEST_FAKE, pool);
            Map<String, Integer> byKind = new TreeMap<>();
            Map<String, Integer> byCategory = new TreeMap<>();
            kinds.forEach((k, v) -> {
                byKind.put(k.name(), v);
                byCategory.merge(k.category.name(), v, Integer::sum);
            });
            // stats.json leaves the time out: it would make two runs differ
            writeStats(config, root.resolve(STATS_FILE),
                    new SimSummary(root, train, test, dTrain, dTest, byKind, byCategory, Duration.ZERO));
            return new SimSummary(root, train, test, dTrain, dTest, byKind, byCategory,
                    Duration.ofNanos(System.nanoTime() - t0));
        } finally {
            pool.shutdownNow();
        }
    }

    static String imageName(String prefix, int index) {
        return String.format(Locale.ROOT, "%s_%06d.png", prefix, index);
    }

    /** Captions of the train split used to pick the constant-caption baseline. */
    private static final int BASELINE_CAPTIONS = 64;

    /**
     * Writes one SynthScars-layout split.
     *
     * @param constantCaption caption to score every record's caption against (ROUGE-L), or null
     * @param collectCaptions receives the first {@value #BASELINE_CAPTIONS} captions, or null
     */
    private static SimSummary.SplitStats writeScarsSplit(SimConfig cfg, Path root, String split, int count, int idOffset,
            int stream, ExecutorService pool, Map<ArtifactKind, Integer> kinds, String constantCaption,
            List<String> collectCaptions) throws IOException {
        List<String> constantTokens = constantCaption == null ? null : CaptionBaseline.tokens(constantCaption);
        double[] rouge = new double[1];
        Path images = root.resolve(split).resolve("images");
        Files.createDirectories(images);
        Path json = root.resolve(split).resolve("annotations").resolve(split + ".json");
        double[] areas = new double[count];
        double[] sums = new double[2];
        int[] refs = new int[1];
        JsonFactory factory = new JsonFactory();
        factory.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        try {
            IoUtils.writeAtomically(json, ch -> {
                OutputStream os = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
                try (JsonGenerator g = factory.createGenerator(os, JsonEncoding.UTF8)) {
                    g.useDefaultPrettyPrinter();
                    g.writeStartArray();
                    int chunk = 32 * cfg.threads();
                    for (int start = 0; start < count; start += chunk) {
                        int end = Math.min(count, start + chunk);
                        List<Future<Rendered>> futures = new ArrayList<>(end - start);
                        for (int i = start; i < end; i++) {
                            int idx = i;
                            futures.add(pool.submit(() -> {
                                Rendered r = render(cfg, imageSeed(cfg.seed(), stream, idx), true);
                                Files.write(images.resolve(imageName(split, idx)), r.png());
                                return r;
                            }));
                        }
                        for (int i = start; i < end; i++) {
                            Rendered r = await(futures.get(i - start), split + " image " + imageName(split, i));
                            writeRecord(g, Integer.toString(idOffset + i), imageName(split, i), r);
                            areas[i] = r.unionFraction();
                            sums[0] += r.emptyMiou();
                            sums[1] += r.fullMiou();
                            refs[0] += r.refs().size();
                            if (constantTokens != null) {
                                rouge[0] += CaptionBaseline.f1(constantTokens, CaptionBaseline.tokens(r.caption()));
                            }
                            if (collectCaptions != null && collectCaptions.size() < BASELINE_CAPTIONS) {
                                collectCaptions.add(r.caption());
                            }
                            for (RenderedRef ref : r.refs()) {
                                kinds.merge(ref.kind(), 1, Integer::sum);
                            }
                        }
                    }
                    g.writeEndArray();
                }
                os.flush();
            });
        } catch (CheckpointException e) {
            throw new IOException("cannot write " + json + ": " + e.getMessage(), e);
        }
        double empty = count == 0 ? Double.NaN : sums[0] / count;
        double full = count == 0 ? Double.NaN : sums[1] / count;
        double text = constantTokens == null || count == 0 ? Double.NaN : rouge[0] / count;
        return new SimSummary.SplitStats(count, refs[0], SimSummary.AreaStats.of(areas), empty, full, text, constantCaption);
    }

    private static void writeRecord(JsonGenerator g, String id, String fileName, Rendered r) throws IOException {
        g.writeStartObject();
        g.writeObjectFieldStart(id);
        g.writeStringField("caption", r.caption());
        g.writeStringField("img_file_name", fileName);
        g.writeArrayFieldStart("refs");
        for (RenderedRef ref : r.refs()) {
            g.writeStartObject();
            g.writeStringField("sentence", ref.sentence());
            g.writeStringField("explanation", ref.explanation());
            g.writeNullField("bbox");
            g.writeArrayFieldStart("segmentation");
            g.writeStartArray();
            for (double v : ref.polygon()) {
                g.writeNumber(v);
            }
            g.writeEndArray();
            g.writeEndArray();
            // grounding facts after SynthScars' own fields (readers that do not know them skip them)
            g.writeStringField(SynthScarsReader.FACT_OBJECT, ref.object());
            g.writeStringField(SynthScarsReader.FACT_OBJECT_NAME, ref.objectName());
            g.writeStringField(SynthScarsReader.FACT_KIND, ref.kind().key());
            g.writeStringField(SynthScarsReader.FACT_CATEGORY, ref.kind().category.key());
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeArrayFieldStart(SynthScarsReader.FACT_OBJECTS);
        for (RenderedObject o : r.objects()) {
            g.writeStartObject();
            g.writeStringField("type", o.type());
            g.writeStringField("colour", o.colour());
            g.writeStringField("name", o.name());
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
        g.writeEndObject();
    }

    private static SimSummary.DetectStats writeDetectSplit(SimConfig cfg, Path root, String split, int count,
            int scarsCount, int realStream, int fakeStream, ExecutorService pool) throws IOException {
        Path dir = root.resolve("detect").resolve(split);
        Path realDir = dir.resolve("0_real");
        Path fakeDir = dir.resolve("1_fake");
        Files.createDirectories(realDir);
        Files.createDirectories(fakeDir);
        Path scarsImages = root.resolve(split).resolve("images");
        int chunk = 32 * cfg.threads();
        for (int start = 0; start < count; start += chunk) {
            int end = Math.min(count, start + chunk);
            List<Future<Void>> futures = new ArrayList<>(2 * (end - start));
            for (int i = start; i < end; i++) {
                int idx = i;
                futures.add(pool.submit(() -> {
                    Rendered r = render(cfg, imageSeed(cfg.seed(), realStream, idx), false);
                    Files.write(realDir.resolve(imageName("real", idx)), r.png());
                    return null;
                }));
                futures.add(pool.submit(() -> {
                    Path target = fakeDir.resolve(imageName("fake", idx));
                    if (idx < scarsCount) {
                        // the same fakes as the localization split, so both stages see one distribution
                        Files.copy(scarsImages.resolve(imageName(split, idx)), target, StandardCopyOption.REPLACE_EXISTING);
                    } else {
                        Files.write(target, render(cfg, imageSeed(cfg.seed(), fakeStream, idx), true).png());
                    }
                    return null;
                }));
            }
            for (int i = 0; i < futures.size(); i++) {
                await(futures.get(i), "detect/" + split + " image " + (start + i / 2));
            }
        }
        return new SimSummary.DetectStats(count, count, Math.min(count, scarsCount));
    }

    private static <T> T await(Future<T> f, String what) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while generating " + what);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            throw new IOException("failed to generate " + what + ": " + c, c);
        }
    }

    private static void writeStats(SimConfig cfg, Path file, SimSummary s) throws IOException {
        JsonFactory factory = new JsonFactory();
        factory.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        try {
            IoUtils.writeAtomically(file, ch -> {
                OutputStream os = new BufferedOutputStream(Channels.newOutputStream(ch));
                try (JsonGenerator g = factory.createGenerator(os, JsonEncoding.UTF8)) {
                    g.useDefaultPrettyPrinter();
                    g.writeStartObject();
                    g.writeStringField("generator", "scars-sim");
                    g.writeObjectFieldStart("config");
                    g.writeNumberField("seed", cfg.seed());
                    g.writeNumberField("train", cfg.trainCount());
                    g.writeNumberField("test", cfg.testCount());
                    g.writeNumberField("detect_train_per_class", cfg.detectTrainCount());
                    g.writeNumberField("detect_test_per_class", cfg.detectTestCount());
                    g.writeNumberField("image_size", cfg.imageSize());
                    g.writeNumberField("min_objects", cfg.minObjects());
                    g.writeNumberField("max_objects", cfg.maxObjects());
                    g.writeNumberField("min_artifacts", cfg.minArtifacts());
                    g.writeNumberField("max_artifacts", cfg.maxArtifacts());
                    g.writeNumberField("artifact_contrast", cfg.artifactContrast());
                    g.writeNumberField("noise_level", cfg.noiseLevel());
                    g.writeNumberField("artifact_area_min", cfg.artifactAreaMin());
                    g.writeNumberField("artifact_area_max", cfg.artifactAreaMax());
                    g.writeNumberField("fingerprint_strength", cfg.fingerprintStrength());
                    g.writeNumberField("fingerprint_period", cfg.fingerprintPeriod());
                    g.writeNumberField("structure_weight", cfg.structureWeight());
                    g.writeNumberField("distortion_weight", cfg.distortionWeight());
                    g.writeNumberField("physics_weight", cfg.physicsWeight());
                    g.writeNumberField("template_variants", cfg.templateVariants());
                    g.writeEndObject();
                    g.writeObjectFieldStart("splits");
                    split(g, "train", s.train());
                    split(g, "test", s.test());
                    g.writeEndObject();
                    g.writeObjectFieldStart("detect");
                    detect(g, "train", s.detectTrain());
                    detect(g, "test", s.detectTest());
                    g.writeEndObject();
                    g.writeObjectFieldStart("artifacts_by_category");
                    for (var e : s.artifactsByCategory().entrySet().stream().sorted(Map.Entry.comparingByKey()).toList()) {
                        g.writeNumberField(e.getKey(), e.getValue());
                    }
                    g.writeEndObject();
                    g.writeObjectFieldStart("artifacts_by_kind");
                    for (var e : s.artifactsByKind().entrySet().stream().sorted(Map.Entry.comparingByKey()).toList()) {
                        g.writeNumberField(e.getKey(), e.getValue());
                    }
                    g.writeEndObject();
                    g.writeEndObject();
                }
                os.flush();
            });
        } catch (CheckpointException e) {
            throw new IOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static void split(JsonGenerator g, String name, SimSummary.SplitStats s) throws IOException {
        g.writeObjectFieldStart(name);
        g.writeNumberField("images", s.images());
        g.writeNumberField("refs", s.refs());
        number(g, "empty_mask_miou", s.emptyMaskMiou());
        number(g, "full_mask_miou", s.fullMaskMiou());
        number(g, "constant_caption_rouge_l", s.constantCaptionRougeL());
        if (s.constantCaption() != null) {
            g.writeStringField("constant_caption", s.constantCaption());
        }
        SimSummary.AreaStats a = s.unionArea();
        g.writeObjectFieldStart("union_area_fraction");
        g.writeNumberField("count", a.count());
        number(g, "mean", a.mean());
        number(g, "min", a.min());
        number(g, "p10", a.p10());
        number(g, "median", a.median());
        number(g, "p90", a.p90());
        number(g, "max", a.max());
        number(g, "within_5_to_30_percent", a.within5to30());
        g.writeEndObject();
        g.writeEndObject();
    }

    private static void detect(JsonGenerator g, String name, SimSummary.DetectStats d) throws IOException {
        g.writeObjectFieldStart(name);
        g.writeNumberField("real", d.real());
        g.writeNumberField("fake", d.fake());
        g.writeNumberField("fake_from_scars", d.fakeFromScars());
        g.writeEndObject();
    }

    private static void number(JsonGenerator g, String name, double v) throws IOException {
        if (Double.isFinite(v)) {
            // rounded so the file reads well; the summary keeps full precision
            g.writeNumberField(name, Math.round(v * 1e6) / 1e6);
        } else {
            g.writeNullField(name);
        }
    }

    /**
     * Command line: {@code --out DIR [--seed N] [--train N] [--test N] [--size PX] [--detect-train N]
     * [--detect-test N] [--threads N] [--fingerprint A] [--overwrite]}. Exits with status 2 on bad
     * arguments and 1 on a failure.
     */
    public static void main(String[] args) {
        int code = run(args, System.out, System.err);
        if (code != 0) {
            System.exit(code);
        }
    }

    static final String USAGE = "usage: ScarsSimGenerator --out DIR [--seed N] [--train N] [--test N] [--size PX]"
            + " [--detect-train N] [--detect-test N] [--threads N] [--fingerprint A] [--overwrite]";

    /** The CLI without {@code System.exit}: returns the exit status. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        SimConfig.Builder b = SimConfig.builder();
        Path root = null;
        boolean overwrite = false;
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--overwrite" -> overwrite = true;
                    case "--help", "-h" -> {
                        out.println(USAGE);
                        return 0;
                    }
                    case "--out", "--seed", "--train", "--test", "--size", "--detect-train", "--detect-test", "--threads",
                            "--fingerprint" -> {
                        if (i + 1 >= args.length) {
                            throw new IllegalArgumentException(a + " needs a value");
                        }
                        String v = args[++i];
                        switch (a) {
                            case "--out" -> root = Path.of(v);
                            case "--seed" -> b.seed(Long.parseLong(v));
                            case "--train" -> b.trainCount(Integer.parseInt(v));
                            case "--test" -> b.testCount(Integer.parseInt(v));
                            case "--size" -> b.imageSize(Integer.parseInt(v));
                            case "--detect-train" -> b.detectTrainCount(Integer.parseInt(v));
                            case "--detect-test" -> b.detectTestCount(Integer.parseInt(v));
                            case "--threads" -> b.threads(Integer.parseInt(v));
                            default -> b.fingerprintStrength(Double.parseDouble(v));
                        }
                    }
                    default -> throw new IllegalArgumentException("unknown argument " + a);
                }
            }
            if (root == null) {
                throw new IllegalArgumentException("--out is required");
            }
            SimConfig cfg = b.build();
            SimSummary s = generate(cfg, root, overwrite);
            out.println(describe(s));
            return 0;
        } catch (IllegalArgumentException e) {
            // NumberFormatException is an IllegalArgumentException too
            err.println("scars-sim: " + e.getMessage());
            err.println(USAGE);
            return 2;
        } catch (IOException | RuntimeException e) {
            err.println("scars-sim: " + e);
            return 1;
        }
    }

    /** A human-readable multi-line report of a summary. */
    public static String describe(SimSummary s) {
        StringBuilder sb = new StringBuilder();
        sb.append("scars-sim wrote ").append(s.root()).append(" in ")
                .append(String.format(Locale.ROOT, "%.2f s", s.elapsed().toNanos() / 1e9)).append('\n');
        for (var e : Map.of("train", s.train(), "test", s.test()).entrySet().stream()
                .sorted(Map.Entry.<String, SimSummary.SplitStats>comparingByKey().reversed()).toList()) {
            SimSummary.SplitStats t = e.getValue();
            SimSummary.AreaStats a = t.unionArea();
            sb.append(String.format(Locale.ROOT,
                    "  %-5s images %d refs %d | union area mean %.3f p10 %.3f median %.3f p90 %.3f max %.3f,"
                            + " in [5%%,30%%] %.2f | mIoU empty %.4f full %.4f%s%n",
                    e.getKey(), t.images(), t.refs(), a.mean(), a.p10(), a.median(), a.p90(), a.max(), a.within5to30(),
                    t.emptyMaskMiou(), t.fullMaskMiou(), Double.isNaN(t.constantCaptionRougeL()) ? ""
                            // the constant caption is the train captions' medoid, so only other splits are scored
                            : String.format(Locale.ROOT, " | constant-caption ROUGE-L %.4f", t.constantCaptionRougeL())));
        }
        sb.append(String.format(Locale.ROOT, "  detect train real %d fake %d (%d from scars), test real %d fake %d (%d from scars)%n",
                s.detectTrain().real(), s.detectTrain().fake(), s.detectTrain().fakeFromScars(), s.detectTest().real(),
                s.detectTest().fake(), s.detectTest().fakeFromScars()));
        sb.append("  artifacts by category ").append(new TreeMap<>(s.artifactsByCategory())).append('\n');
        sb.append("  artifacts by kind ").append(new TreeMap<>(s.artifactsByKind()));
        return sb.toString();
    }
}
