package ai.legion.data.richhf;

import ai.legion.core.io.CheckpointException;
import ai.legion.core.io.IoUtils;
import ai.legion.data.ArtifactRecord;
import ai.legion.data.Authenticity;
import ai.legion.data.DatasetException;
import ai.legion.data.FileNames;
import ai.legion.data.StreamingDatasetReader;
import ai.legion.data.Ref;
import ai.legion.data.Region;
import ai.legion.data.ValidationReport;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * RichHF-18K ({@code google-research-datasets/richhf-18k}) read from its TFRecord files: {@code train.tfrecord}
 * (15,810 examples), {@code dev.tfrecord} (995), {@code test.tfrecord} (955), each record a {@code tf.train.Example}
 * with
 * <ul>
 *   <li>{@code filename} (bytes): the Pick-a-Pic v1 image, e.g. {@code …/<uid>.png};</li>
 *   <li>four float scores: {@code aesthetics_score}, {@code artifact_score}, {@code misalignment_score},
 *       {@code overall_score};</li>
 *   <li>{@code artifact_map}, {@code misalignment_map} (bytes): encoded 512×512 gray heatmaps, 0–255;</li>
 *   <li>{@code prompt_misalignment_label} (bytes): one {@code 0}/{@code 1} per prompt token,
 *       space-separated (0 = misaligned).</li>
 * </ul>
 *
 * <h2>Images</h2>
 * The TFRecords hold no images. {@code filename} is resolved in the images folder, trying in turn
 * {@code imagesDir/<filename>} (relative), {@code imagesDir/<base name>} and
 * {@code imagesDir/<uid>.{jpg,jpeg,png,webp}} ({@code uid} = base name without extension: extraction
 * scripts save Pick-a-Pic images as {@code <uid>.jpg}). An image found by none of these is reported
 * ({@code missing_image}); the record is skipped, or kept with the path {@code imagesDir/<base name>}
 * when {@link Options#skipMissingImages()} is off.
 *
 * <h2>Heatmap cache</h2>
 * {@link Region.Heatmap} refers to a file, so the artifact map of each record is decoded and written
 * as an 8-bit gray PNG into {@code heatmapDir} the first time the record is seen:
 * {@code heatmapDir/<uid>.png} (characters other than {@code [A-Za-z0-9._-]} in the uid become
 * {@code _}; the n-th repeat of a uid within one iteration gets {@code <uid>__<n>.png} and a
 * {@code duplicate_id} report). Files are written atomically (temporary file + rename), so
 * concurrent readers and interrupted runs never leave a partial PNG. An existing file is reused
 * without decoding the map again unless {@link Options#overwriteHeatmaps()} is on; use one
 * {@code heatmapDir} per dataset version. With {@link Options#writeMisalignmentMaps()} the
 * misalignment map is cached the same way as {@code <uid>_misalignment.png} and its path put in the
 * attribute {@code misalignment_map}.
 *
 * <h2>Records</h2>
 * id = uid; dataset {@code "richhf18k"}; authenticity FAKE (all Pick-a-Pic images are generated);
 * caption {@code ""} (prompts are not in the TFRecords); one ref
 * {@code Ref("artifact", "", new Region.Heatmap(png, threshold))} — the artifact region is the
 * pixels {@code > threshold} (default 0, as LEGION's evaluation), possibly none. Attributes:
 * {@code split} (when given), {@code filename}, every float and int64 feature (the scores; several
 * values comma-separated), {@code prompt_misalignment_label} and other short UTF-8 bytes features,
 * {@code tfrecord} (file name) and {@code tfrecord_index}.
 *
 * <h2>Damage</h2>
 * A record with a bad data CRC is reported ({@code tfrecord_crc_mismatch}) and skipped; a bad
 * length CRC, an oversized length or a truncated file is reported ({@code tfrecord_damaged}) and ends
 * that file, and reading goes on with the next file. Unparseable examples ({@code bad_example}),
 * missing {@code filename} / {@code artifact_map} and undecodable maps ({@code bad_artifact_map})
 * skip the record. Missing scores are reported ({@code missing_score}), the record kept. I/O errors
 * (unreadable file, heatmap folder not writable) throw {@link DatasetException.Unchecked}.
 */
public final class RichHfReader extends StreamingDatasetReader {

    /** The dataset name in records. */
    public static final String NAME = "richhf18k";
    /** The score features of the release. */
    public static final List<String> SCORE_FEATURES =
            List.of("aesthetics_score", "artifact_score", "misalignment_score", "overall_score");
    /** The released heatmaps' side; raw (unencoded) maps must be this size. */
    public static final int MAP_SIDE = 512;
    /** The ref phrase of the artifact heatmap. */
    public static final String ARTIFACT_PHRASE = "artifact";

    static final String FILENAME = "filename";
    static final String ARTIFACT_MAP = "artifact_map";
    static final String MISALIGNMENT_MAP = "misalignment_map";
    static final String TOKEN_LABEL = "prompt_misalignment_label";
    private static final List<String> IMAGE_EXTENSIONS = List.of(".jpg", ".jpeg", ".png", ".webp");
    private static final int MAX_TEXT_ATTRIBUTE_BYTES = 4096;

    /**
     * Reader options.
     *
     * @param threshold heatmap threshold 0..255: the region is the pixels {@code > threshold}
     * @param tfrecord TFRecord reading options (CRC checks, record size bound)
     * @param skipMissingImages skip records whose image is not found (else keep them, reported)
     * @param writeMisalignmentMaps also cache misalignment maps as PNGs
     * @param overwriteHeatmaps re-decode and rewrite cached PNGs even if they exist
     */
    public record Options(int threshold, TfRecordReader.Options tfrecord, boolean skipMissingImages,
            boolean writeMisalignmentMaps, boolean overwriteHeatmaps) {
        public Options {
            if (threshold < 0 || threshold > 255) {
                throw new IllegalArgumentException("threshold must be in 0..255, got " + threshold);
            }
            Objects.requireNonNull(tfrecord, "tfrecord");
        }

        /** Threshold 0, CRCs checked, 256 MiB record bound, missing images skipped, no misalignment maps. */
        public static Options defaults() {
            return new Options(0, TfRecordReader.Options.defaults(), true, false, false);
        }

        public Options withThreshold(int value) {
            return new Options(value, tfrecord, skipMissingImages, writeMisalignmentMaps, overwriteHeatmaps);
        }

        public Options withTfRecord(TfRecordReader.Options value) {
            return new Options(threshold, value, skipMissingImages, writeMisalignmentMaps, overwriteHeatmaps);
        }

        public Options withSkipMissingImages(boolean value) {
            return new Options(threshold, tfrecord, value, writeMisalignmentMaps, overwriteHeatmaps);
        }

        public Options withWriteMisalignmentMaps(boolean value) {
            return new Options(threshold, tfrecord, skipMissingImages, value, overwriteHeatmaps);
        }

        public Options withOverwriteHeatmaps(boolean value) {
            return new Options(threshold, tfrecord, skipMissingImages, writeMisalignmentMaps, value);
        }
    }

    private final String split;
    private final List<Path> files;
    private final Path imagesDir;
    private final Path heatmapDir;
    private final Options options;

    /**
     * Reads the given TFRecord files.
     *
     * @param split the split name put in the {@code split} attribute ({@code null}/empty: none)
     * @param sources TFRecord files, or folders whose {@code *.tfrecord*} files (sorted by name) are read
     * @param imagesDir where the Pick-a-Pic images are
     * @param heatmapDir where decoded heatmaps are cached as PNGs (created when needed)
     * @throws DatasetException if a source does not exist, no TFRecord file is found, or the images
     *     folder does not exist
     */
    public RichHfReader(String split, List<Path> sources, Path imagesDir, Path heatmapDir, Options options)
            throws DatasetException {
        this.split = split == null ? "" : split;
        this.imagesDir = Objects.requireNonNull(imagesDir, "imagesDir");
        this.heatmapDir = Objects.requireNonNull(heatmapDir, "heatmapDir");
        this.options = Objects.requireNonNull(options, "options");
        if (!Files.isDirectory(imagesDir)) {
            throw new DatasetException(imagesDir, "images folder not found (RichHF-18K images come from Pick-a-Pic v1)");
        }
        List<Path> found = new ArrayList<>();
        for (Path s : sources) {
            if (Files.isDirectory(s)) {
                found.addAll(tfrecordsIn(s, null));
            } else if (Files.isRegularFile(s)) {
                found.add(s);
            } else {
                throw new DatasetException(s, "TFRecord file or folder not found");
            }
        }
        if (found.isEmpty()) {
            throw new DatasetException(sources.isEmpty() ? null : sources.get(0), "no *.tfrecord* files in " + sources);
        }
        this.files = List.copyOf(found);
    }

    /**
     * Reads one split of the release layout: in {@code root}, the files {@code <split>.tfrecord*} and
     * sharded {@code <split>-*.tfrecord*} / {@code <split>_*.tfrecord*}, plus every {@code *.tfrecord*}
     * file in a folder {@code root/<split>/} if there is one.
     *
     * @param split {@code train}, {@code dev} or {@code test} (any name is accepted)
     * @throws DatasetException if no file of the split is found
     */
    public static RichHfReader forSplit(Path root, String split, Path imagesDir, Path heatmapDir, Options options)
            throws DatasetException {
        Objects.requireNonNull(split, "split");
        if (!Files.isDirectory(root)) {
            throw new DatasetException(root, "RichHF-18K folder not found");
        }
        List<Path> files = new ArrayList<>(tfrecordsIn(root, split));
        Path sub = root.resolve(split);
        if (Files.isDirectory(sub)) {
            files.addAll(tfrecordsIn(sub, null));
        }
        if (files.isEmpty()) {
            throw new DatasetException(root, "no TFRecord files for split '" + split + "' (looked for " + split
                    + ".tfrecord*, " + split + "-*.tfrecord*, " + split + "_*.tfrecord* and " + split + "/*.tfrecord*)");
        }
        return new RichHfReader(split, files, imagesDir, heatmapDir, options);
    }

    /** The {@code *.tfrecord*} regular files of a folder (names starting with {@code prefix} + {@code .-_} if given). */
    private static List<Path> tfrecordsIn(Path dir, String prefix) throws DatasetException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (!n.toLowerCase(Locale.ROOT).contains(".tfrecord") || !Files.isRegularFile(p)) {
                    continue;
                }
                if (prefix != null && !(n.startsWith(prefix) && n.length() > prefix.length()
                        && ".-_".indexOf(n.charAt(prefix.length())) >= 0)) {
                    continue;
                }
                out.add(p);
            }
        } catch (IOException e) {
            throw new DatasetException(dir, "cannot list: " + e, e);
        }
        out.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
        return out;
    }

    @Override
    public String name() {
        return NAME;
    }

    /** The TFRecord files read, in order. */
    public List<Path> files() {
        return files;
    }

    /** The folder heatmap PNGs are cached in. */
    public Path heatmapDir() {
        return heatmapDir;
    }

    /**
     * Starts from the first file.
     *
     * @throws DatasetException.Unchecked on I/O errors (see the class comment)
     */
    @Override
    protected RecordStream openStream(ValidationReport report) {
        return new RecordIterator(report);
    }

    private final class RecordIterator extends RecordStream {
        private final Map<String, Integer> seen = new HashMap<>(); // uid → occurrences (18k entries at most)
        private int fileIndex;
        private Path file;
        private TfRecordReader current;

        RecordIterator(ValidationReport report) {
            super(report);
        }

        @Override
        protected ArtifactRecord read() {
            if (current == null) {
                if (fileIndex >= files.size()) {
                    end();
                    return null;
                }
                file = files.get(fileIndex++);
                try {
                    current = TfRecordReader.open(file, options.tfrecord());
                } catch (IOException e) {
                    throw new DatasetException.Unchecked(new DatasetException(file, "cannot open: " + e, e));
                }
            }
            long index = current.recordIndex();
            byte[] data;
            try {
                data = current.next();
            } catch (TfRecordException e) {
                if (e.recoverable()) {
                    report.add("tfrecord_crc_mismatch", file.getFileName() + "#" + e.recordIndex(), e.getMessage());
                    report.recordSkipped();
                } else {
                    report.add("tfrecord_damaged", file.getFileName() + "#" + e.recordIndex(), e.getMessage()
                            + "; the rest of this file is not read");
                    closeCurrent();
                }
                return null;
            } catch (IOException e) {
                closeCurrent();
                throw new DatasetException.Unchecked(new DatasetException(file, "read error at record " + index
                        + ": " + e, e));
            }
            if (data == null) {
                closeCurrent();
                return null;
            }
            return toRecord(data, file, index, report, seen);
        }

        @Override
        protected void release() {
            closeCurrent();
        }

        /** Closes the file being read (the next {@link #read()} opens the next one). */
        private void closeCurrent() {
            IoUtils.closeQuietly(current); // read-only input: nothing to lose
            current = null;
        }
    }

    private ArtifactRecord toRecord(byte[] data, Path file, long index, ValidationReport r, Map<String, Integer> seen) {
        String where = file.getFileName() + "#" + index;
        TfExample ex;
        try {
            ex = TfExample.parse(data);
        } catch (InvalidProtocolBufferException e) {
            r.add("bad_example", where, "not a tf.train.Example: " + e.getMessage());
            r.recordSkipped();
            return null;
        }
        String filename;
        try {
            filename = ex.string(FILENAME);
        } catch (IllegalStateException e) {
            r.add("bad_example", where, e.getMessage());
            r.recordSkipped();
            return null;
        }
        if (filename == null || filename.isBlank()) {
            r.add("missing_filename", where, "no '" + FILENAME + "' bytes feature; features: " + ex.names());
            r.recordSkipped();
            return null;
        }
        String base = baseName(filename);
        String uid = FileNames.stem(base);
        String id = uid.isEmpty() ? where : uid;
        int occurrence = seen.merge(id, 1, Integer::sum);
        if (occurrence > 1) {
            r.add("duplicate_id", id, where + ": uid seen " + occurrence + " times in this iteration");
        }

        Map<String, String> attrs = new LinkedHashMap<>();
        if (!split.isEmpty()) {
            attrs.put("split", split);
        }
        attrs.put(FILENAME, filename);
        for (String score : SCORE_FEATURES) {
            if (ex.kind(score) != TfExample.Kind.FLOAT || ex.floats(score).length == 0) {
                r.add("missing_score", id, where + ": no float feature '" + score + "'");
            }
        }
        for (String n : ex.names()) {
            switch (ex.kind(n)) {
                case FLOAT -> attrs.put(n, joinFloats(ex.floats(n)));
                case INT64 -> attrs.put(n, joinLongs(ex.int64s(n)));
                case BYTES -> {
                    if (!n.equals(FILENAME) && !n.equals(ARTIFACT_MAP) && !n.equals(MISALIGNMENT_MAP)) {
                        String text = shortText(ex.firstBytesShared(n));
                        if (text != null) {
                            attrs.put(n, text);
                        }
                    }
                }
                case NONE -> { }
            }
        }
        attrs.put("tfrecord", file.getFileName().toString());
        attrs.put("tfrecord_index", Long.toString(index));

        Path image = resolveImage(filename, base, uid);
        if (image == null) {
            Path expected;
            try {
                expected = imagesDir.resolve(base);
            } catch (InvalidPathException e) {
                r.add("bad_filename", id, where + ": '" + filename + "' is not a valid file name here");
                r.recordSkipped();
                return null;
            }
            r.add("missing_image", id, where + ": " + filename + " not found in " + imagesDir);
            if (options.skipMissingImages()) {
                r.recordSkipped();
                return null;
            }
            image = expected;
        }

        String stem = safeFileStem(id) + (occurrence > 1 ? "__" + occurrence : "");
        Path artifactPng = heatmapDir.resolve(stem + ".png");
        if (!cache(ex, ARTIFACT_MAP, artifactPng, id, where, r)) {
            r.recordSkipped();
            return null;
        }
        if (options.writeMisalignmentMaps()) {
            Path misPng = heatmapDir.resolve(stem + "_misalignment.png");
            if (cache(ex, MISALIGNMENT_MAP, misPng, id, where, r)) {
                attrs.put(MISALIGNMENT_MAP, misPng.toString());
            }
        }
        r.recordRead();
        Ref ref = new Ref(ARTIFACT_PHRASE, "", new Region.Heatmap(artifactPng, options.threshold()));
        return new ArtifactRecord(id, NAME, image, Authenticity.FAKE, "", List.of(ref), attrs);
    }

    /**
     * Makes sure {@code target} holds the decoded map of {@code feature}; reports and returns false when
     * the feature is missing or cannot be decoded.
     */
    private boolean cache(TfExample ex, String feature, Path target, String id, String where, ValidationReport r) {
        if (!options.overwriteHeatmaps() && Files.isRegularFile(target)) {
            return true;
        }
        byte[] bytes;
        try {
            bytes = ex.firstBytesShared(feature);
        } catch (IllegalStateException e) {
            r.add("bad_" + feature, id, where + ": " + e.getMessage());
            return false;
        }
        if (bytes == null) {
            r.add("missing_" + feature, id, where + ": no '" + feature + "' bytes feature");
            return false;
        }
        HeatmapImages.Gray gray;
        try {
            gray = HeatmapImages.decode(bytes, id + " " + feature, MAP_SIDE, MAP_SIDE);
        } catch (IOException e) {
            r.add("bad_" + feature, id, where + ": " + e.getMessage());
            return false;
        }
        if (gray.width() != MAP_SIDE || gray.height() != MAP_SIDE) {
            r.add("unexpected_map_size", id, where + ": " + feature + " is " + gray.width() + "x" + gray.height()
                    + ", the release's maps are " + MAP_SIDE + "x" + MAP_SIDE + " (kept)");
        }
        try {
            HeatmapImages.writePng(target, gray);
        } catch (CheckpointException e) {
            throw new DatasetException.Unchecked(new DatasetException(target, "cannot write the heatmap PNG: "
                    + e.getMessage(), e));
        }
        return true;
    }

    private Path resolveImage(String filename, String base, String uid) {
        List<Path> candidates = new ArrayList<>();
        try {
            Path p = Path.of(filename);
            if (!p.isAbsolute()) {
                candidates.add(imagesDir.resolve(p).normalize());
            }
        } catch (InvalidPathException ignored) {
            // fall through to the base-name candidates
        }
        try {
            candidates.add(imagesDir.resolve(base));
            if (!uid.isEmpty()) {
                for (String ext : IMAGE_EXTENSIONS) {
                    candidates.add(imagesDir.resolve(uid + ext));
                }
            }
        } catch (InvalidPathException ignored) {
            // no usable candidate from the base name
        }
        for (Path c : candidates) {
            if (Files.isRegularFile(c)) {
                return c;
            }
        }
        return null;
    }

    static String baseName(String filename) {
        int slash = Math.max(filename.lastIndexOf('/'), filename.lastIndexOf('\\'));
        return filename.substring(slash + 1);
    }

    /** A file-name-safe version of an id: characters outside {@code [A-Za-z0-9._-]} become {@code _}. */
    static String safeFileStem(String id) {
        StringBuilder sb = new StringBuilder(id.length());
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '-' || c == '_';
            sb.append(ok ? c : '_');
        }
        String s = sb.toString();
        return s.isEmpty() || s.startsWith(".") ? "_" + s : s;
    }

    private static String joinFloats(float[] v) {
        return IntStream.range(0, v.length).mapToObj(i -> Float.toString(v[i])).collect(Collectors.joining(","));
    }

    private static String joinLongs(long[] v) {
        return Arrays.stream(v).mapToObj(Long::toString).collect(Collectors.joining(","));
    }

    /** Short valid UTF-8 text, else {@code null} (binary features are not attributes). */
    private static String shortText(byte[] b) {
        if (b == null || b.length > MAX_TEXT_ATTRIBUTE_BYTES) {
            return null;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
