package ai.legion.eval.runner;

import ai.legion.data.ArtifactRecord;
import ai.legion.data.DatasetException;
import ai.legion.data.DatasetReader;
import ai.legion.data.ValidationReport;
import ai.legion.data.folder.DetectionFolderReader;
import ai.legion.data.loki.LokiReader;
import ai.legion.data.richhf.RichHfHeatmapFolderReader;
import ai.legion.data.richhf.RichHfReader;
import ai.legion.data.synthscars.SynthScarsReader;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * An evaluation dataset found in a folder: SynthScars (and scars-sim), LOKI, RichHF-18K (LEGION's
 * {@code raw_imgs/} + {@code heatmaps/} benchmark or the TFRecords) or a UniversalFakeDetect/CNNSpot
 * {@code 0_real}/{@code 1_fake} tree, read with the legion-data readers.
 *
 * <p>Layout detection ({@link #open}, when no layout is forced), in order: for detection, a
 * {@code 0_real}/{@code 1_fake} tree in {@code DIR/detect/SPLIT} (scars-sim), {@code DIR/SPLIT} or {@code DIR};
 * then {@code raw_imgs/} + {@code heatmaps/} (RichHF-18K); LOKI's {@code data_json/image/open_ended_vqa.json}
 * (or a JSON file that is not in an {@code annotations} folder); a SynthScars split ({@code DIR/SPLIT/images} +
 * {@code annotations/SPLIT.json}, also below {@code DIR/SynthScars}, or the split folder itself);
 * {@code *.tfrecord} files (RichHF-18K; needs the images folder); finally a {@code 0_real}/{@code 1_fake}
 * tree for any task.
 */
public final class EvalData {

    /** The dataset layouts understood. */
    public enum Layout {
        /** SynthScars / scars-sim: {@code SPLIT/images}, {@code SPLIT/annotations/SPLIT.json}. */
        SYNTHSCARS,
        /** LOKI: {@code data_json/image/open_ended_vqa.json} (UTF-16) and its images. */
        LOKI,
        /** RichHF-18K as LEGION's benchmark: {@code raw_imgs/} with {@code heatmaps/} at the same paths. */
        RICHHF,
        /** RichHF-18K TFRecords ({@code SPLIT.tfrecord}) with the Pick-a-Pic images in another folder. */
        RICHHF_TFRECORD,
        /** UniversalFakeDetect / CNNSpot: images below {@code 0_real} / {@code 1_fake} folders. */
        DETECTION_FOLDER;

        /** The layout of a name such as {@code synthscars}, {@code loki}, {@code richhf}, {@code unifd}. */
        public static Layout parse(String s) {
            String n = s.strip().toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
            return switch (n) {
                case "synthscars", "scarssim", "scars" -> SYNTHSCARS;
                case "loki" -> LOKI;
                case "richhf", "richhf18k" -> RICHHF;
                case "richhftfrecord", "tfrecord" -> RICHHF_TFRECORD;
                case "unifd", "universalfakedetect", "cnnspot", "detection", "detectionfolder", "folder" ->
                        DETECTION_FOLDER;
                default -> throw new IllegalArgumentException("unknown dataset layout '" + s
                        + "' (expected synthscars, loki, richhf, richhf-tfrecord or unifd)");
            };
        }
    }

    /** What every layout looks like, for error messages. */
    public static final String EXPECTED_LAYOUTS = "SynthScars/scars-sim (SPLIT/images/ + SPLIT/annotations/SPLIT.json), "
            + "LOKI (data_json/image/open_ended_vqa.json + images), RichHF-18K (raw_imgs/ + heatmaps/, or *.tfrecord "
            + "with an images folder), or UniversalFakeDetect (.../0_real/ and .../1_fake/)";

    /**
     * Where and how to read.
     *
     * @param split the split ({@code test} by default)
     * @param layout a forced layout, or {@code null} to detect it
     * @param imagesDir the images folder for RichHF-18K TFRecords (Pick-a-Pic), else unused
     * @param cacheDir where RichHF-18K TFRecord heatmaps are cached as PNGs (default: a temporary folder)
     */
    public record Options(String split, Layout layout, Path imagesDir, Path cacheDir) {

        /** Fills the default split. */
        public Options {
            split = split == null || split.isBlank() ? "test" : split;
        }

        /** The test split, detected layout. */
        public static Options defaults() {
            return new Options("test", null, null, null);
        }

        public Options withSplit(String v) {
            return new Options(v, layout, imagesDir, cacheDir);
        }

        public Options withLayout(Layout v) {
            return new Options(split, v, imagesDir, cacheDir);
        }

        public Options withImagesDir(Path v) {
            return new Options(split, layout, v, cacheDir);
        }

        public Options withCacheDir(Path v) {
            return new Options(split, layout, imagesDir, v);
        }
    }

    private final Path path;
    private final Layout layout;
    private final DatasetReader reader;

    private EvalData(Path path, Layout layout, DatasetReader reader) {
        this.path = path;
        this.layout = layout;
        this.reader = reader;
    }

    /** Reads a dataset the caller already opened. */
    public static EvalData of(DatasetReader reader, Layout layout, Path path) {
        return new EvalData(path, layout, Objects.requireNonNull(reader, "reader"));
    }

    /**
     * Opens the dataset at {@code path}, detecting its layout unless {@link Options#layout()} forces one.
     *
     * @param task the task the data is for (detection prefers a {@code 0_real}/{@code 1_fake} tree)
     * @throws DatasetException naming the path and the layouts expected when nothing fits
     */
    public static EvalData open(Path path, Task task, Options options) throws DatasetException {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(options, "options");
        if (!Files.exists(path)) {
            throw new DatasetException(path, "dataset not found; expected " + EXPECTED_LAYOUTS);
        }
        Layout layout = options.layout() != null ? options.layout() : detect(path, task, options.split());
        if (layout == null) {
            throw new DatasetException(path, "no dataset layout recognized; expected " + EXPECTED_LAYOUTS);
        }
        return new EvalData(path, layout, openAs(path, layout, options));
    }

    /** The layout {@link #open} would pick, or {@code null}. */
    public static Layout detect(Path path, Task task, String split) {
        if (task == Task.DETECTION && detectionRoot(path, split) != null) {
            return Layout.DETECTION_FOLDER;
        }
        if (Files.isRegularFile(path)) {
            String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
            Path parent = path.toAbsolutePath().getParent();
            String parentName = parent == null || parent.getFileName() == null ? ""
                    : parent.getFileName().toString().toLowerCase(Locale.ROOT);
            if (name.contains(".tfrecord")) {
                return Layout.RICHHF_TFRECORD;
            }
            if (name.endsWith(".json")) {
                return parentName.equals("annotations") || parentName.equals("annoations") ? Layout.SYNTHSCARS
                        : Layout.LOKI;
            }
            return null;
        }
        if (Files.isDirectory(path.resolve(RichHfHeatmapFolderReader.IMAGES_DIR))
                && Files.isDirectory(path.resolve(RichHfHeatmapFolderReader.HEATMAPS_DIR))) {
            return Layout.RICHHF;
        }
        if (Files.isRegularFile(path.resolve(LokiReader.DEFAULT_JSON))) {
            return Layout.LOKI;
        }
        for (Path s : List.of(path.resolve(split), path.resolve("SynthScars").resolve(split), path)) {
            if (Files.isDirectory(s.resolve("images"))
                    && (Files.isDirectory(s.resolve("annotations")) || Files.isDirectory(s.resolve("annoations")))) {
                return Layout.SYNTHSCARS;
            }
        }
        if (hasTfRecords(path)) {
            return Layout.RICHHF_TFRECORD;
        }
        return detectionRoot(path, split) != null ? Layout.DETECTION_FOLDER : null;
    }

    private static DatasetReader openAs(Path path, Layout layout, Options o) throws DatasetException {
        switch (layout) {
            case SYNTHSCARS:
                return SynthScarsReader.open(path, o.split());
            case LOKI:
                return LokiReader.open(path);
            case RICHHF:
                return new RichHfHeatmapFolderReader(path);
            case RICHHF_TFRECORD: {
                if (o.imagesDir() == null) {
                    throw new DatasetException(path, "RichHF-18K TFRecords hold no images: give the Pick-a-Pic images "
                            + "folder (--images DIR)");
                }
                Path cache = o.cacheDir();
                if (cache == null) {
                    try {
                        cache = Files.createTempDirectory("legion-richhf-heatmaps");
                    } catch (IOException e) {
                        throw new DatasetException(path, "cannot create a heatmap cache folder: " + e.getMessage(), e);
                    }
                }
                if (Files.isRegularFile(path)) {
                    return new RichHfReader(o.split(), List.of(path), o.imagesDir(), cache, RichHfReader.Options.defaults());
                }
                return RichHfReader.forSplit(path, o.split(), o.imagesDir(), cache, RichHfReader.Options.defaults());
            }
            case DETECTION_FOLDER: {
                Path root = detectionRoot(path, o.split());
                if (root == null) {
                    throw new DatasetException(path, "no 0_real/ or 1_fake/ folder found below it (expected a "
                            + "UniversalFakeDetect/CNNSpot tree such as test/progan/car/0_real/*.png)");
                }
                return new DetectionFolderReader(root);
            }
            default:
                throw new IllegalStateException(layout.toString());
        }
    }

    /** The first of DIR/detect/SPLIT, DIR/SPLIT, DIR that holds a 0_real or 1_fake folder (up to 4 levels down). */
    static Path detectionRoot(Path path, String split) {
        if (!Files.isDirectory(path)) {
            return null;
        }
        for (Path c : List.of(path.resolve("detect").resolve(split), path.resolve(split), path)) {
            if (Files.isDirectory(c) && hasLabelFolder(c, 4)) {
                return c;
            }
        }
        return null;
    }

    /** Breadth-first over folders only, stopping at the first 0_real / 1_fake. */
    private static boolean hasLabelFolder(Path root, int maxDepth) {
        Deque<Path> queue = new ArrayDeque<>();
        Deque<Integer> depth = new ArrayDeque<>();
        queue.add(root);
        depth.add(0);
        while (!queue.isEmpty()) {
            Path dir = queue.poll();
            int d = depth.poll();
            List<Path> subdirs = new ArrayList<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, Files::isDirectory)) {
                for (Path p : ds) {
                    String n = p.getFileName().toString();
                    if (n.equalsIgnoreCase(DetectionFolderReader.REAL_DIR)
                            || n.equalsIgnoreCase(DetectionFolderReader.FAKE_DIR)) {
                        return true;
                    }
                    subdirs.add(p);
                }
            } catch (IOException e) {
                continue;
            }
            if (d + 1 < maxDepth) {
                subdirs.sort(null);
                for (Path s : subdirs) {
                    queue.add(s);
                    depth.add(d + 1);
                }
            }
        }
        return false;
    }

    private static boolean hasTfRecords(Path dir) {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                if (p.getFileName().toString().toLowerCase(Locale.ROOT).contains(".tfrecord")) {
                    return true;
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    /** The path given. */
    public Path path() {
        return path;
    }

    /** The layout read. */
    public Layout layout() {
        return layout;
    }

    /** The reader. */
    public DatasetReader reader() {
        return reader;
    }

    /** The reader's report of the last pass (problems met while reading). */
    public ValidationReport validation() {
        return reader.validation();
    }

    /**
     * The first {@code limit} records in the reader's order (all when {@code limit <= 0}).
     *
     * @throws DatasetException when the dataset cannot be read, or holds no record (with the reader's report)
     */
    public List<ArtifactRecord> records(int limit) throws DatasetException {
        List<ArtifactRecord> out = new ArrayList<>();
        try {
            Iterator<ArtifactRecord> it = reader.iterator();
            while (it.hasNext() && (limit <= 0 || out.size() < limit)) {
                out.add(it.next());
            }
        } catch (DatasetException.Unchecked e) {
            throw e.getCause();
        } finally {
            reader.close();
        }
        if (out.isEmpty()) {
            throw new DatasetException(path, "no records read as " + layout + ": " + reader.validation());
        }
        return out;
    }

    @Override
    public String toString() {
        return layout + " " + path;
    }
}
