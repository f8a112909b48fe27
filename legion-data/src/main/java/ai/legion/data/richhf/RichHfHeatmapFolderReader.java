package ai.legion.data.richhf;

import ai.legion.data.ArtifactRecord;
import ai.legion.data.Authenticity;
import ai.legion.data.DatasetException;
import ai.legion.data.FileNames;
import ai.legion.data.Ref;
import ai.legion.data.Region;
import ai.legion.data.StreamingDatasetReader;
import ai.legion.data.ValidationReport;
import ai.legion.data.folder.SortedFileWalk;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * LEGION's RichHF-18K benchmark layout (471 images; {@code evaluate_ours.py} of commit cd7df24): images under
 * {@code raw_imgs/} and, for each, a grayscale heatmap PNG at the same relative path under {@code heatmaps/} —
 * upstream finds it with {@code image_path.replace('raw_imgs', 'heatmaps')} and takes {@code convert('L') > 0} as the
 * ground truth.
 *
 * <p>Images are walked recursively and lazily in sorted order ({@link SortedFileWalk}); files whose
 * extension is not an image extension ({@link #IMAGE_EXTENSIONS}, any case) are reported
 * ({@code not_an_image}). For each image the heatmap is {@code heatmaps/<same relative path>}, else
 * {@code heatmaps/<same relative path with .png>} (for a JPEG image whose map was saved as PNG). An
 * image without a heatmap is reported ({@code missing_heatmap}) and skipped. After the last image the
 * heatmap folder is walked too, and heatmaps that match no image are reported ({@code orphan_heatmap}).
 *
 * <p>Records: id = relative image path without extension ({@code /} separators); dataset
 * {@code "richhf18k"}; FAKE; caption {@code ""}; one ref
 * {@code Ref("artifact", "", new Region.Heatmap(heatmap, threshold))}; attribute {@code source} =
 * {@code legion_benchmark}. Heatmaps are not opened here (an empty map is a valid "no artifact" GT).
 */
public final class RichHfHeatmapFolderReader extends StreamingDatasetReader {

    /** Image extensions read, lower case. */
    public static final Set<String> IMAGE_EXTENSIONS = Set.of("png", "jpg", "jpeg", "bmp", "webp", "gif", "tif", "tiff");
    /** The images folder name in LEGION's layout. */
    public static final String IMAGES_DIR = "raw_imgs";
    /** The heatmaps folder name in LEGION's layout. */
    public static final String HEATMAPS_DIR = "heatmaps";

    private final Path imagesDir;
    private final Path heatmapsDir;
    private final int threshold;

    /**
     * Reads {@code root/raw_imgs} with {@code root/heatmaps}, threshold 0.
     *
     * @throws DatasetException if either folder is missing
     */
    public RichHfHeatmapFolderReader(Path root) throws DatasetException {
        this(root.resolve(IMAGES_DIR), root.resolve(HEATMAPS_DIR), 0);
    }

    /**
     * Reads an images folder with its heatmaps folder.
     *
     * @param threshold the region is the heatmap pixels {@code > threshold} (0..255)
     * @throws DatasetException if either folder is missing
     */
    public RichHfHeatmapFolderReader(Path imagesDir, Path heatmapsDir, int threshold) throws DatasetException {
        this.imagesDir = Objects.requireNonNull(imagesDir, "imagesDir");
        this.heatmapsDir = Objects.requireNonNull(heatmapsDir, "heatmapsDir");
        if (threshold < 0 || threshold > 255) {
            throw new IllegalArgumentException("threshold must be in 0..255, got " + threshold);
        }
        this.threshold = threshold;
        if (!Files.isDirectory(imagesDir)) {
            throw new DatasetException(imagesDir, "images folder not found (expected LEGION's " + IMAGES_DIR
                    + "/ + " + HEATMAPS_DIR + "/ layout)");
        }
        if (!Files.isDirectory(heatmapsDir)) {
            throw new DatasetException(heatmapsDir, "heatmaps folder not found (expected LEGION's " + IMAGES_DIR
                    + "/ + " + HEATMAPS_DIR + "/ layout)");
        }
    }

    @Override
    public String name() {
        return RichHfReader.NAME;
    }

    /**
     * A fresh walk; after the last image, the heatmaps are checked for orphans.
     *
     * @throws DatasetException.Unchecked if a folder can no longer be listed
     */
    @Override
    protected RecordStream openStream(ValidationReport report) {
        SortedFileWalk images = walk(imagesDir, report);
        return new RecordStream(report) {
            @Override
            protected ArtifactRecord read() {
                if (images.hasNext()) {
                    return toRecord(images.next(), report);
                }
                end();
                reportOrphans(report);
                return null;
            }
        };
    }

    private static SortedFileWalk walk(Path dir, ValidationReport r) {
        return SortedFileWalk.start(dir, (d, e) -> r.add("unreadable_directory", d.toString(), e.toString()));
    }

    private ArtifactRecord toRecord(Path image, ValidationReport r) {
        Path rel = imagesDir.relativize(image);
        String relName = FileNames.slashes(rel);
        String fileName = image.getFileName().toString();
        if (!IMAGE_EXTENSIONS.contains(FileNames.extension(fileName))) {
            r.add("not_an_image", relName, "extension is not one of " + IMAGE_EXTENSIONS + " (any case)");
            return null;
        }
        Path heatmap = heatmapFor(rel);
        if (heatmap == null) {
            r.add("missing_heatmap", relName, "neither " + heatmapsDir.resolve(rel) + " nor its .png variant exists");
            r.recordSkipped();
            return null;
        }
        Map<String, String> attrs = new LinkedHashMap<>();
        attrs.put("source", "legion_benchmark");
        r.recordRead();
        String id = FileNames.stem(relName);
        Ref ref = new Ref(RichHfReader.ARTIFACT_PHRASE, "", new Region.Heatmap(heatmap, threshold));
        return new ArtifactRecord(id, name(), image, Authenticity.FAKE, "", List.of(ref), attrs);
    }

    /** The heatmap of an image given by its path relative to the images folder, or {@code null}. */
    private Path heatmapFor(Path rel) {
        Path same = heatmapsDir.resolve(rel);
        if (Files.isRegularFile(same)) {
            return same;
        }
        String fn = rel.getFileName().toString();
        Path png = same.resolveSibling(FileNames.stem(fn) + ".png");
        return Files.isRegularFile(png) ? png : null;
    }

    /** Reports heatmaps that no image claims (same relative path, or same stem for a .png heatmap). */
    private void reportOrphans(ValidationReport r) {
        SortedFileWalk heatmaps = walk(heatmapsDir, r);
        while (heatmaps.hasNext()) {
            Path h = heatmaps.next();
            Path rel = heatmapsDir.relativize(h);
            if (Files.isRegularFile(imagesDir.resolve(rel))) {
                continue;
            }
            boolean claimed = false;
            String fn = rel.getFileName().toString();
            if (FileNames.extension(fn).equals("png")) {
                String stem = FileNames.stem(fn);
                Path dir = imagesDir.resolve(rel).getParent();
                for (String ext : IMAGE_EXTENSIONS) {
                    if (hasFileIgnoringCase(dir, stem, ext)) {
                        claimed = true;
                        break;
                    }
                }
            }
            if (!claimed) {
                r.add("orphan_heatmap", FileNames.slashes(rel),
                        "no image " + imagesDir.resolve(rel) + " for this heatmap");
            }
        }
    }

    private static boolean hasFileIgnoringCase(Path dir, String stem, String ext) {
        return Files.isRegularFile(dir.resolve(stem + "." + ext))
                || Files.isRegularFile(dir.resolve(stem + "." + ext.toUpperCase(Locale.ROOT)));
    }
}
