package ai.legion.cli.reliability;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.legion.core.config.AddedTokens;
import ai.legion.core.config.ClipConfig;
import ai.legion.core.config.ClipImageProcessorConfig;
import ai.legion.core.config.ClipVisionConfig;
import ai.legion.core.config.LegionConfig;
import ai.legion.core.config.LoraConfig;
import ai.legion.core.config.SamConfig;
import ai.legion.core.image.ImageException;
import ai.legion.core.image.ImageLoader;
import ai.legion.core.io.Checkpoint;
import ai.legion.core.io.CheckpointException;
import ai.legion.core.io.Checkpoints;
import ai.legion.core.io.DType;
import ai.legion.core.io.NDArrayLoader;
import ai.legion.core.io.SafetensorsWriter;
import ai.legion.core.io.ShardIndex;
import ai.legion.core.io.TensorInfo;
import ai.legion.core.io.torch.TorchCheckpointWriter;
import ai.legion.data.ArtifactRecord;
import ai.legion.data.DatasetException;
import ai.legion.data.DatasetReader;
import ai.legion.data.folder.LabeledFolderReader;
import ai.legion.data.folder.LegionDetectionJsonReader;
import ai.legion.data.loki.LokiReader;
import ai.legion.data.synthscars.SynthScarsReader;
import ai.legion.models.LegionModel;
import ai.legion.testing.Fixtures;
import ai.legion.train.TrainConfig;
import ai.legion.train.TrainRunner;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutated checkpoints, configs, annotation files and images, generated at test time from small valid seeds,
 * fed to the parsing and validation layers (checkpoint readers up to the tensors, config readers and the model
 * declaration, training config validation, dataset readers with mask rasterization, the image decoder). Every
 * case must finish within its deadline and allocation cap and either give a valid result or throw one of the
 * exceptions its API documents for bad input, with a message. Counts per category and outcome are printed.
 *
 * <p>{@code -Dlegion.fuzz.scale=N} multiplies the case counts (default 1: 11,400 cases),
 * {@code -Dlegion.fuzz.seed=S} changes the base seed, {@code -Dlegion.fuzz.deadline.ms} the per-case deadline.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileInputFuzzTest {

    static final double SCALE = Double.parseDouble(System.getProperty("legion.fuzz.scale", "1"));
    static final long SEED = Long.getLong("legion.fuzz.seed", 20261207L);
    static final long DEADLINE_MS = Long.getLong("legion.fuzz.deadline.ms", 2000L);
    /** Seeds are a few KB; anything close to this is a structure sized from a declared, not an actual, count. */
    static final long ALLOCATION_CAP = 256L << 20;
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private FuzzHarness harness;
    private NDManager manager;
    private long heapBefore;
    private long started;

    @BeforeAll
    void start() {
        harness = new FuzzHarness(SEED, DEADLINE_MS, ALLOCATION_CAP);
        manager = NDManager.newBaseManager();
        heapBefore = usedHeapAfterGc();
        started = System.nanoTime();
    }

    @AfterAll
    void finish() {
        int total = harness.tallies().stream().mapToInt(FuzzHarness.Tally::cases).sum();
        System.out.printf("fuzz total: %d cases in %.1f s, used heap %d -> %d MiB%n", total,
                (System.nanoTime() - started) / 1e9, heapBefore >> 20, usedHeapAfterGc() >> 20);
        harness.close();
        manager.close();
    }

    /** A file of the repository (the examples are seeds too). */
    static Path repoFile(String relative) {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.exists(p.resolve(relative))) {
                return p.resolve(relative);
            }
        }
        throw new IllegalStateException(relative + " not found above " + Path.of("").toAbsolutePath());
    }

    static int n(int count) {
        return (int) Math.round(count * SCALE);
    }

    private static long usedHeapAfterGc() {
        System.gc();
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }

    private int reported;

    /** Fails with the failures found since the last check. */
    private void check() {
        List<String> all = harness.failures();
        List<String> failures = new ArrayList<>(all.subList(reported, all.size()));
        reported = all.size();
        assertTrue(failures.isEmpty(), failures.size() + " fuzz failures, first:\n" + String.join("\n",
                failures.subList(0, Math.min(10, failures.size()))));
    }

    // ---- checkpoints -------------------------------------------------------------------------------------------

    private static final List<TensorInfo> TENSORS = List.of(
            new TensorInfo("model.embed_tokens.weight", DType.F32, new long[] {8, 4}),
            new TensorInfo("model.layers.0.mlp.down_proj.weight", DType.F16, new long[] {4, 6}),
            new TensorInfo("model.layers.0.input_layernorm.weight", DType.BF16, new long[] {4}),
            new TensorInfo("model.norm.step", DType.I64, new long[] {3}),
            new TensorInfo("lm_head.mask", DType.BOOL, new long[] {2, 2}));

    private static ByteBuffer content(TensorInfo t, Random rnd) {
        byte[] b = new byte[(int) t.byteLength()];
        rnd.nextBytes(b);
        if (t.dtype() == DType.BOOL) {
            for (int i = 0; i < b.length; i++) {
                b[i] &= 1;
            }
        }
        if (t.dtype() == DType.F32) { // finite values: a valid seed must load
            ByteBuffer f = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < b.length / 4; i++) {
                f.putFloat(i * 4, rnd.nextFloat() - 0.5f);
            }
        }
        if (t.dtype() == DType.F16 || t.dtype() == DType.BF16) {
            for (int i = 1; i < b.length; i += 2) {
                b[i] &= 0x3f; // exponent below the all-ones pattern of Inf/NaN
            }
        }
        return ByteBuffer.wrap(b);
    }

    private byte[] safetensorsSeed(List<TensorInfo> tensors, long seed) throws Exception {
        SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
        Random rnd = new Random(seed);
        for (TensorInfo t : tensors) {
            w.add(t.name(), t.dtype(), t.shape(), content(t, rnd));
        }
        Path f = tmp.resolve("seed-" + seed + ".safetensors");
        w.write(f);
        return Files.readAllBytes(f);
    }

    private byte[] torchSeed() throws Exception {
        TorchCheckpointWriter w = new TorchCheckpointWriter();
        Random rnd = new Random(7);
        for (TensorInfo t : TENSORS) {
            ByteBuffer data = content(t, rnd);
            w.add(t, out -> out.write(data.duplicate()));
        }
        Path f = tmp.resolve("seed.bin");
        w.write(f);
        return Files.readAllBytes(f);
    }

    /** Opens a checkpoint and reads every tensor as the loader does, up to the NDArray. */
    private void loadAll(Path path) throws CheckpointException {
        try (Checkpoint c = Checkpoints.open(path); NDManager m = manager.newSubManager()) {
            for (String key : c.keys()) {
                ByteBuffer data = c.read(key);
                if (data.remaining() != c.info(key).byteLength()) {
                    throw new AssertionError(key + ": read " + data.remaining() + " bytes, info says "
                            + c.info(key).byteLength());
                }
                NDArray a = NDArrayLoader.load(c, key, m, NDArrayLoader.FloatPolicy.FLOAT32);
                if (a.size() != c.info(key).numel()) {
                    throw new AssertionError(key + ": " + a.size() + " elements, info says " + c.info(key).numel());
                }
            }
        }
    }

    @Test
    void checkpoints() throws Exception {
        byte[] st = safetensorsSeed(TENSORS, 1);
        int headerEnd = 8 + (int) ByteBuffer.wrap(st, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        String header = new String(st, 8, headerEnd - 8, StandardCharsets.UTF_8);
        Path file = tmp.resolve("fuzz.safetensors");
        List<Class<? extends Throwable>> documented = List.of(CheckpointException.class);
        harness.run("safetensors", n(1200), (rnd, what) -> {
            byte[] b;
            if (rnd.nextBoolean()) { // header JSON values, with a length prefix that matches
                Mutator.Mutant h = Mutator.json(rnd, header);
                what.append("header ").append(h.what());
                b = withHeader(h.bytes(), st, headerEnd);
            } else {
                Mutator.Mutant m = rnd.nextBoolean() ? Mutator.bytesIn(rnd, st, st, 0, headerEnd)
                        : Mutator.bytes(rnd, st, st);
                what.append(m.what());
                b = m.bytes();
            }
            Files.write(file, b);
            loadAll(file);
        }, documented, "fuzz.safetensors");

        byte[] zip = torchSeed();
        Map<String, byte[]> entries = unzip(zip);
        String pkl = entries.keySet().stream().filter(k -> k.endsWith("/data.pkl")).findFirst().orElseThrow();
        byte[] opcodes = ("(((((((ttttt}}}}]]]]qqqqhhhhjjjjrrrr0000222211112222....XJKMRcQNe"
                + "\u0080\u0085\u0086\u0087\u0088\u0094\u0095").getBytes(StandardCharsets.ISO_8859_1);
        Path bin = tmp.resolve("fuzz.bin");
        harness.run("torch-zip", n(1200), (rnd, what) -> {
            byte[] b;
            int kind = rnd.nextInt(3);
            if (kind < 2) { // the pickle, rewritten into a valid zip so that the unpickler sees it
                Map<String, byte[]> e = new LinkedHashMap<>(entries);
                Mutator.Mutant m = kind == 0 ? Mutator.bytes(rnd, entries.get(pkl), opcodes)
                        : Mutator.bytes(rnd, entries.get(pkl), entries.get(pkl));
                what.append("data.pkl ").append(m.what());
                e.put(pkl, m.bytes());
                b = zip(e);
            } else {
                Mutator.Mutant m = Mutator.bytes(rnd, zip, zip);
                what.append("zip ").append(m.what());
                b = m.bytes();
            }
            Files.write(bin, b);
            loadAll(bin);
        }, documented, "fuzz.bin");

        Path sharded = Files.createDirectories(tmp.resolve("sharded"));
        Files.write(sharded.resolve("a.safetensors"), safetensorsSeed(TENSORS.subList(0, 2), 2));
        Files.write(sharded.resolve("b.safetensors"), safetensorsSeed(TENSORS.subList(2, 5), 3));
        Map<String, String> weightMap = new LinkedHashMap<>();
        for (int i = 0; i < TENSORS.size(); i++) {
            weightMap.put(TENSORS.get(i).name(), i < 2 ? "a.safetensors" : "b.safetensors");
        }
        Path index = sharded.resolve("model.safetensors.index.json");
        new ShardIndex(Map.of("total_size", 200), weightMap).write(index);
        String indexSeed = Files.readString(index);
        harness.run("shard-index", n(500), (rnd, what) -> {
            Mutator.Mutant m = rnd.nextInt(3) > 0 ? Mutator.json(rnd, indexSeed)
                    : Mutator.bytes(rnd, indexSeed.getBytes(StandardCharsets.UTF_8), "../x\"/:".getBytes(
                            StandardCharsets.UTF_8));
            what.append(m.what());
            Files.write(index, m.bytes());
            loadAll(sharded);
        }, documented, "sharded");
        check();
    }

    private static byte[] withHeader(byte[] header, byte[] file, int headerEnd) {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + file.length - headerEnd).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header).put(file, headerEnd, file.length - headerEnd);
        return b.array();
    }

    private static Map<String, byte[]> unzip(byte[] zip) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                out.put(e.getName(), in.readAllBytes());
            }
        }
        return out;
    }

    private static byte[] zip(Map<String, byte[]> entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream out = new ZipOutputStream(bytes)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                ZipEntry z = new ZipEntry(e.getKey());
                z.setMethod(ZipEntry.STORED);
                z.setSize(e.getValue().length);
                CRC32 crc = new CRC32();
                crc.update(e.getValue());
                z.setCrc(crc.getValue());
                out.putNextEntry(z);
                out.write(e.getValue());
                out.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    // ---- configs -----------------------------------------------------------------------------------------------

    /** A config reader under test. */
    interface Reader {
        void read(Path file) throws Exception;
    }

    private void configs(String category, int count, Path seedFile, Reader reader,
            List<Class<? extends Throwable>> documented) throws Exception {
        String seed = Files.readString(seedFile);
        Path file = tmp.resolve(category).resolve(seedFile.getFileName());
        Files.createDirectories(file.getParent());
        Files.writeString(file, seed);
        reader.read(file); // the seed itself is valid
        harness.run(category, count, (rnd, what) -> {
            Mutator.Mutant m = rnd.nextInt(4) > 0 ? Mutator.json(rnd, seed)
                    : Mutator.bytes(rnd, seed.getBytes(StandardCharsets.UTF_8), "{}[]\":,-.eE0123456789".getBytes(
                            StandardCharsets.UTF_8));
            what.append(m.what());
            Files.write(file, m.bytes());
            reader.read(file);
        }, documented, category);
    }

    @Test
    void modelConfigs() throws Exception {
        List<Class<? extends Throwable>> documented = List.of(CheckpointException.class);
        ClipVisionConfig clip = ClipVisionConfig.read(Fixtures.path("parity/legion_tiny/clip/config.json"));
        SamConfig sam = SamConfig.read(Fixtures.path("parity/sam/config.json"));
        configs("legion-config", n(900), Fixtures.path("parity/legion_tiny/config.json"), f -> {
            LegionConfig c = LegionConfig.read(f);
            try { // declared, not created: the blocks and their weight shapes, no tensors
                LegionModel.Parts.declare(c, clip, sam, true).weightMap(false);
            } catch (IllegalArgumentException e) { // documented by declare for configs that do not fit together
                if (e.getMessage() == null || e.getMessage().isBlank()) {
                    throw new AssertionError("declare failed without a message", e);
                }
            }
        }, documented);
        configs("clip-config", n(500), Fixtures.path("parity/clip_vision/config.json"), ClipVisionConfig::read,
                documented);
        configs("sam-config", n(600), Fixtures.path("parity/sam/config.json"), SamConfig::read, documented);
        configs("preprocessor-config", n(300), Fixtures.path("parity/clip_vision/preprocessor_config.json"),
                ClipImageProcessorConfig::read, documented);
        configs("lora-config", n(300), Fixtures.path("parity/llama/adapter_config.json"), LoraConfig::read, documented);
        configs("added-tokens", n(200), Fixtures.path("parity/legion_tiny/added_tokens.json"), AddedTokens::read,
                documented);
        check();
    }

    @Test
    void trainingConfigs() throws Exception {
        Path examples = repoFile("examples/configs");
        // TrainConfig.read documents IOException naming file and key; TrainRunner's validate IllegalArgumentException
        List<Class<? extends Throwable>> documented = List.of(IOException.class, IllegalArgumentException.class,
                CheckpointException.class);
        Reader reader = f -> {
            TrainConfig cfg = TrainConfig.read(f);
            new TrainRunner(cfg, f);
            JsonNode create = cfg.create();
            if (create != null && create.isObject() && create.has("clip_config") && !create.has("legion_config")) {
                Path dir = f.resolveSibling("create"); // vision pretraining: a whole CLIPConfig
                Files.createDirectories(dir);
                JSON.writeValue(dir.resolve("c.json").toFile(), create.get("clip_config"));
                ClipConfig.read(dir.resolve("c.json"));
            } else if (create != null && create.isObject()) { // the sizes of a created model, read as the runner reads them
                Path dir = f.resolveSibling("create");
                Files.createDirectories(dir);
                JSON.writeValue(dir.resolve("l.json").toFile(), create.get("legion_config"));
                LegionConfig.read(dir.resolve("l.json"));
                if (create.has("clip_config")) { // else a pretrained tower's folder ("clip")
                    JSON.writeValue(dir.resolve("c.json").toFile(), create.get("clip_config"));
                    ClipVisionConfig.read(dir.resolve("c.json"));
                }
                if (create.get("sam_config").isObject()) {
                    JSON.writeValue(dir.resolve("s.json").toFile(), create.get("sam_config"));
                    SamConfig.read(dir.resolve("s.json"));
                }
            }
        };
        configs("train-config-stage1", n(700), examples.resolve("demo-stage1.json"), reader, documented);
        configs("train-config-stage2", n(300), examples.resolve("demo-stage2.json"), reader, documented);
        configs("train-config-clip", n(200), examples.resolve("demo-clip-regions.json"), reader, documented);
        configs("train-config-clip-hn", n(100), examples.resolve("demo-clip-hard-negatives.json"), reader, documented);
        check();
    }

    // ---- annotations -------------------------------------------------------------------------------------------

    private void annotations(String category, int count, String seed, Path file, DatasetOpener opener,
            List<Class<? extends Throwable>> documented, boolean json) throws Exception {
        Files.createDirectories(file.getParent());
        Files.writeString(file, seed);
        List<ArtifactRecord> valid = readAll(opener.open(file));
        assertTrue(!valid.isEmpty(), category + " seed gives records");
        harness.run(category, count, (rnd, what) -> {
            Mutator.Mutant m = json && rnd.nextInt(4) > 0 ? Mutator.json(rnd, seed)
                    : Mutator.bytes(rnd, seed.getBytes(StandardCharsets.UTF_8), "{}[]\":,-.eE0123456789\n\r".getBytes(
                            StandardCharsets.UTF_8));
            what.append(m.what());
            Files.write(file, m.bytes());
            readAll(opener.open(file));
        }, documented, file.getFileName().toString());
    }

    /** Opens a reader on an annotation file. */
    interface DatasetOpener {
        DatasetReader open(Path file) throws DatasetException;
    }

    /** Reads every record and rasterizes its ground-truth mask, as evaluation and training do. */
    private static List<ArtifactRecord> readAll(DatasetReader reader) throws Exception {
        List<ArtifactRecord> out = new ArrayList<>();
        try (reader) {
            for (ArtifactRecord r : reader) {
                out.add(r);
                if (reader instanceof SynthScarsReader) {
                    SynthScarsReader.groundTruthMask(r, 48, 64);
                } else if (reader instanceof LokiReader) {
                    LokiReader.groundTruthMask(r, 48, 64);
                }
            }
        }
        return out;
    }

    @Test
    void annotationFiles() throws Exception {
        List<Class<? extends Throwable>> documented = List.of(DatasetException.class, DatasetException.Unchecked.class);
        Path root = Files.createDirectories(tmp.resolve("ann"));
        Path images = Files.createDirectories(root.resolve("images"));
        for (String name : List.of("a.png", "b.png", "fake-1.png")) {
            Files.write(images.resolve(name), new byte[] {1});
        }
        String scars = Files.readString(repoFile("examples/samples/annotations/test.json"));
        annotations("synthscars", n(1200), scars, root.resolve("annotations/test.json"), f -> SynthScarsReader.open(f,
                images, "test", SynthScarsReader.Options.defaults().withKeepMissingImages(true)), documented, true);
        String loki = "[{\"id\": 1, \"image_path\": \"images/a.png\", \"problems\": {\"global\": [{\"desc\": \"odd "
                + "light\"}], \"regional\": [{\"region\": [1, 2, 30, 20], \"desc\": \"a hand\"}, {\"region\": [0, 0, 5,"
                + " 5], \"desc\": \"text\"}]}}, {\"id\": 2, \"image_path\": \"images/b.png\", \"problems\": "
                + "{\"global\":"
                + " [], \"regional\": [{\"region\": [3, 3, 9, 9], \"desc\": \"blur\"}]}}]";
        annotations("loki", n(700), loki, root.resolve("open_ended_vqa.json"), f -> LokiReader.open(f, root,
                LokiReader.Options.defaults().withKeepMissingImages(true)), documented, true);
        String detection = "[{\"image_path\": \"images/a.png\", \"label\": \"fake\", \"category\": \"progan\"}, "
                + "{\"image\": \"images/b.png\", \"label\": \"real\", \"category\": \"sd\", \"id\": 7}]";
        annotations("detection-json", n(400), detection, root.resolve("detect.json"),
                f -> new LegionDetectionJsonReader(f, root, false), documented, true);
        String csv = "file,label\na.png,1\n\"b.png\",0\nfake-1.png,true\n";
        annotations("labels-csv", n(400), csv, root.resolve("labels.csv"),
                f -> new LabeledFolderReader(images, f, LabeledFolderReader.NumericLabels.ONE_IS_FAKE), documented,
                false);
        check();
    }

    // ---- images ------------------------------------------------------------------------------------------------

    private static byte[] encode(String format, int w, int h, long seed) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Random rnd = new Random(seed);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, rnd.nextInt(1 << 24));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(img, format, out), format);
        return out.toByteArray();
    }

    private static final int[] EXTREME_DIMS = {0, 1, 65535, 65536, 1 << 20, 0x7fffffff, 0xffffffff, 100_000, 40_000};

    @Test
    void images() throws Exception {
        ImageLoader loader = new ImageLoader();
        List<Class<? extends Throwable>> documented = List.of(ImageException.class);
        byte[] png = encode("png", 24, 16, 1);
        byte[] jpeg = encode("jpeg", 24, 16, 2);
        Path file = tmp.resolve("fuzz.img");
        harness.run("png", n(1000), (rnd, what) -> {
            byte[] b;
            if (rnd.nextInt(3) == 0) { // declared width/height (IHDR), CRC fixed half of the time
                b = png.clone();
                ByteBuffer bb = ByteBuffer.wrap(b);
                int w = EXTREME_DIMS[rnd.nextInt(EXTREME_DIMS.length)];
                int h = EXTREME_DIMS[rnd.nextInt(EXTREME_DIMS.length)];
                bb.putInt(16, w).putInt(20, h);
                if (rnd.nextBoolean()) {
                    CRC32 crc = new CRC32();
                    crc.update(b, 12, 17);
                    bb.putInt(29, (int) crc.getValue());
                }
                what.append("IHDR ").append(Integer.toUnsignedString(w)).append('x')
                        .append(Integer.toUnsignedString(h));
            } else {
                Mutator.Mutant m = Mutator.bytes(rnd, png, jpeg);
                what.append(m.what());
                b = m.bytes();
            }
            Files.write(file, b);
            loader.load(file);
        }, documented, "fuzz.img");
        int sof = sofOffset(jpeg);
        harness.run("jpeg", n(1000), (rnd, what) -> {
            byte[] b;
            if (rnd.nextInt(3) == 0) { // declared height/width (SOF)
                b = jpeg.clone();
                ByteBuffer bb = ByteBuffer.wrap(b);
                int h = EXTREME_DIMS[rnd.nextInt(EXTREME_DIMS.length)] & 0xffff;
                int w = EXTREME_DIMS[rnd.nextInt(EXTREME_DIMS.length)] & 0xffff;
                bb.putShort(sof + 5, (short) h).putShort(sof + 7, (short) w);
                what.append("SOF ").append(w).append('x').append(h);
            } else {
                Mutator.Mutant m = Mutator.bytes(rnd, jpeg, png);
                what.append(m.what());
                b = m.bytes();
            }
            Files.write(file, b);
            loader.load(file);
        }, documented, "fuzz.img");
        check();
    }

    private static int sofOffset(byte[] jpeg) {
        for (int i = 2; i + 9 < jpeg.length; i++) {
            if ((jpeg[i] & 0xff) == 0xff && ((jpeg[i + 1] & 0xff) == 0xc0 || (jpeg[i + 1] & 0xff) == 0xc2)) {
                return i; // then length (2 bytes), precision (1), height (2) at +5, width (2) at +7
            }
        }
        throw new AssertionError("no SOF marker");
    }
}
