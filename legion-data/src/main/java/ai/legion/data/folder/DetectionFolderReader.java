package ai.legion.data.folder;

import ai.legion.data.ArtifactRecord;
import ai.legion.data.Authenticity;
import ai.legion.data.DatasetException;
import ai.legion.data.FileNames;
import ai.legion.data.StreamingDatasetReader;
import ai.legion.data.ValidationReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * UniversalFakeDetect / CNNSpot image folders (UniversalFakeDetect {@code validate.py::recursively_read}): every
 * image whose path below the walked root contains a {@code 0_real} or {@code 1_fake} directory, e.g.
 * <pre>
 * test/progan/car/0_real/00001.png     generator progan, class car, REAL
 * test/biggan/1_fake/00001.png         generator biggan, FAKE
 * train/progan/airplane/1_fake/x.png   (split "train": generator progan, class airplane)
 * </pre>
 *
 * <h2>Walk</h2>
 * {@code root} (or {@code root/splitDir} when a split directory is given) is walked recursively and
 * lazily with {@link SortedFileWalk}: depth-first, each directory's entries sorted by name, so the
 * record order is the same on every machine. Files with the extensions of {@link #DEFAULT_EXTENSIONS}
 * (any case) are images; other files are counted as {@code not_an_image} in the report.
 *
 * <h2>Labels and attributes</h2>
 * <ul>
 *   <li>Authenticity from the innermost {@code 0_real} (REAL) / {@code 1_fake} (FAKE) directory of the
 *       path (names compared case-insensitively). An image under neither is reported
 *       ({@code no_label_folder}) and skipped.
 *   <li>{@code generator}: the first path component below the walked root; when the label folder is
 *       directly below the walked root, the walked root's own name (so {@code root = test/biggan} still
 *       gives {@code biggan}).
 *   <li>{@code class}: the folder(s) between the generator and the label folder when present
 *       ({@code car}; several levels are joined with {@code /}).
 *   <li>{@code category}: the generator. UniFD/CNNSpot and LEGION's detection evaluation report
 *       accuracy per generator ("category"), not per LSUN class, so this is the key to group by.
 *   <li>{@code split}: the split directory when one was given.
 * </ul>
 * The record id is the image's path relative to the walked root, with {@code /} separators.
 * Images are not opened (existence comes from the walk); decoding problems surface when a consumer
 * loads them.
 */
public final class DetectionFolderReader extends StreamingDatasetReader {

    /** The image extensions read, lower case: the CNNSpot/UniFD set plus {@code webp}. */
    public static final Set<String> DEFAULT_EXTENSIONS = Set.of("png", "jpg", "jpeg", "bmp", "webp");

    /** Real-image folder name. */
    public static final String REAL_DIR = "0_real";
    /** Generated-image folder name. */
    public static final String FAKE_DIR = "1_fake";

    private final Path walkRoot;
    private final String split;

    /**
     * Reads every labeled image below {@code root}.
     *
     * @throws DatasetException if {@code root} is not a directory
     */
    public DetectionFolderReader(Path root) throws DatasetException {
        this(root, null);
    }

    /**
     * Reads every labeled image below {@code root/splitDir} (e.g. {@code splitDir = "test"}), with
     * generators taken as the first component under that directory.
     *
     * @param splitDir a relative sub-path of {@code root}, or {@code null}/empty to walk {@code root}
     * @throws DatasetException if the directory to walk does not exist
     */
    public DetectionFolderReader(Path root, String splitDir) throws DatasetException {
        if (root == null) {
            throw new NullPointerException("root");
        }
        boolean hasSplit = splitDir != null && !splitDir.isBlank();
        Path dir = hasSplit ? root.resolve(splitDir) : root;
        if (!Files.isDirectory(dir)) {
            throw new DatasetException(dir, "not a directory (expected a UniFD/CNNSpot folder with "
                    + REAL_DIR + "/" + FAKE_DIR + " sub-folders)");
        }
        this.walkRoot = dir;
        this.split = hasSplit ? splitDir : null;
    }

    @Override
    public String name() {
        return "unifd";
    }

    /** The directory walked. */
    public Path walkRoot() {
        return walkRoot;
    }

    /**
     * A fresh walk.
     *
     * @throws DatasetException.Unchecked if the walked root can no longer be listed
     */
    @Override
    protected RecordStream openStream(ValidationReport report) {
        SortedFileWalk walk = SortedFileWalk.start(walkRoot,
                (dir, e) -> report.add("unreadable_directory", walkRoot.relativize(dir).toString(), e.toString()));
        return new RecordStream(report) {
            @Override
            protected ArtifactRecord read() {
                if (!walk.hasNext()) {
                    end();
                    return null;
                }
                return toRecord(walk.next(), report);
            }
        };
    }

    private ArtifactRecord toRecord(Path file, ValidationReport r) {
        Path rel = walkRoot.relativize(file);
        String id = FileNames.slashes(rel);
        if (!DEFAULT_EXTENSIONS.contains(FileNames.extension(file.getFileName().toString()))) {
            r.add("not_an_image", id, "extension is not one of " + DEFAULT_EXTENSIONS + " (any case)");
            return null;
        }
        int n = rel.getNameCount();
        int labelIndex = -1;
        Authenticity authenticity = null;
        for (int i = n - 2; i >= 0; i--) { // innermost label directory wins
            String c = rel.getName(i).toString();
            if (c.equalsIgnoreCase(REAL_DIR)) {
                authenticity = Authenticity.REAL;
            } else if (c.equalsIgnoreCase(FAKE_DIR)) {
                authenticity = Authenticity.FAKE;
            } else {
                continue;
            }
            labelIndex = i;
            break;
        }
        if (authenticity == null) {
            r.add("no_label_folder", id, "image is under neither a " + REAL_DIR + " nor a " + FAKE_DIR + " directory");
            r.recordSkipped();
            return null;
        }
        String generator = labelIndex == 0 ? nameOf(walkRoot) : rel.getName(0).toString();
        Map<String, String> attrs = new LinkedHashMap<>();
        if (split != null) {
            attrs.put("split", split);
        }
        attrs.put("generator", generator);
        attrs.put("category", generator);
        if (labelIndex >= 2) {
            List<String> parts = new ArrayList<>();
            for (int i = 1; i < labelIndex; i++) {
                parts.add(rel.getName(i).toString());
            }
            attrs.put("class", String.join("/", parts));
        }
        r.recordRead();
        return new ArtifactRecord(id, name(), file, authenticity, "", List.of(), attrs);
    }

    static String nameOf(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        Path fn = abs.getFileName();
        return fn == null ? abs.toString() : fn.toString();
    }
}
