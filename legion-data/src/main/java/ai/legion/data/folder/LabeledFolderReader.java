package ai.legion.data.folder;

import ai.legion.core.io.IoUtils;
import ai.legion.data.ArtifactRecord;
import ai.legion.data.Authenticity;
import ai.legion.data.DatasetException;
import ai.legion.data.StreamingDatasetReader;
import ai.legion.data.ValidationReport;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A folder of images with a labels CSV (UTF-8, RFC 4180, parsed by {@link CsvReader}).
 *
 * <h2>Columns</h2>
 * The first record is the header (required). Header names are matched trimmed and case-insensitively:
 * <ul>
 *   <li>the image column: {@code file}, else {@code image}, else {@code path} (the first of these
 *       present; the others, if present too, are ordinary extra columns). Values are paths relative to
 *       the images folder (absolute paths are used as they are); surrounding spaces are trimmed;</li>
 *   <li>{@code label} (required);</li>
 *   <li>any other column is copied into the record's attributes under its header name as written
 *       (e.g. {@code generator}, {@code category}).</li>
 * </ul>
 * A header without an image or label column, or with a column name twice, makes the file unusable
 * ({@link DatasetException}).
 *
 * <h2>Labels</h2>
 * Accepted spellings, trimmed and case-insensitive: {@code real}, {@code fake}, {@code 0}, {@code 1},
 * {@code true}, {@code false}. {@code 1}/{@code true} and {@code 0}/{@code false} mean fake or real as
 * the {@link NumericLabels} convention given to the constructor says: UniFD/CNNSpot use
 * {@link NumericLabels#ONE_IS_FAKE}; LEGION's detection head uses {@link NumericLabels#ONE_IS_REAL}.
 *
 * <h2>Bad rows</h2>
 * Rows that are malformed CSV or have a different number of fields than the header
 * ({@code malformed_row}), have an empty or invalid image path ({@code bad_path}), an unknown label
 * ({@code unknown_label}) or name a file that does not exist ({@code missing_image}) are reported and
 * skipped; the rest are read. Blank lines are ignored. The record id is the image column's value.
 */
public final class LabeledFolderReader extends StreamingDatasetReader {

    /** What the numeric (and boolean) labels mean. */
    public enum NumericLabels {
        /** {@code 1}/{@code true} = fake, {@code 0}/{@code false} = real (UniFD, CNNSpot). */
        ONE_IS_FAKE,
        /** {@code 1}/{@code true} = real, {@code 0}/{@code false} = fake (LEGION's class indices). */
        ONE_IS_REAL
    }

    /** Image column names in order of preference. */
    public static final List<String> IMAGE_COLUMNS = List.of("file", "image", "path");
    /** The label column name. */
    public static final String LABEL_COLUMN = "label";

    private final Path imagesDir;
    private final Path csvFile;
    private final NumericLabels numeric;

    /**
     * Opens a labeled folder; the CSV header is read and checked now.
     *
     * @param imagesDir the folder the image paths are relative to
     * @param csvFile the labels CSV
     * @param numeric what {@code 0}/{@code 1} (and {@code false}/{@code true}) mean
     * @throws DatasetException if the folder or CSV is missing, or the header lacks the required columns
     */
    public LabeledFolderReader(Path imagesDir, Path csvFile, NumericLabels numeric) throws DatasetException {
        this.imagesDir = Objects.requireNonNull(imagesDir, "imagesDir");
        this.csvFile = Objects.requireNonNull(csvFile, "csvFile");
        this.numeric = Objects.requireNonNull(numeric, "numeric");
        if (!Files.isDirectory(imagesDir)) {
            throw new DatasetException(imagesDir, "images folder not found");
        }
        try (CsvReader csv = open()) {
            header(csv);
        } catch (IOException e) {
            throw new DatasetException(csvFile, "cannot read the labels CSV: " + e.getMessage(), e);
        }
    }

    @Override
    public String name() {
        return "labeled_folder";
    }

    private CsvReader open() throws IOException {
        if (!Files.isRegularFile(csvFile)) {
            throw new IOException("file not found");
        }
        // strict UTF-8: a mis-encoded CSV fails loudly instead of yielding mangled file names
        var decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        return new CsvReader(new InputStreamReader(Files.newInputStream(csvFile), decoder));
    }

    /** Column layout of a header. */
    private record Header(List<String> names, int imageColumn, int labelColumn) {}

    private Header header(CsvReader csv) throws IOException, DatasetException {
        List<String> names;
        do {
            names = csv.next();
        } while (names != null && isBlank(names));
        if (names == null) {
            throw new DatasetException(csvFile, "empty CSV: a header with a '" + LABEL_COLUMN
                    + "' column and one of " + IMAGE_COLUMNS + " is required");
        }
        Set<String> seen = new HashSet<>();
        Map<String, Integer> index = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            String key = names.get(i).trim().toLowerCase(Locale.ROOT);
            if (!seen.add(key)) {
                throw new DatasetException(csvFile, "header line " + csv.recordLine() + ": column '"
                        + names.get(i).trim() + "' appears twice");
            }
            index.put(key, i);
        }
        int image = -1;
        for (String c : IMAGE_COLUMNS) {
            if (index.containsKey(c)) {
                image = index.get(c);
                break;
            }
        }
        Integer label = index.get(LABEL_COLUMN);
        if (image < 0 || label == null) {
            throw new DatasetException(csvFile, "header line " + csv.recordLine() + " " + names
                    + " lacks " + (image < 0 ? "an image column (one of " + IMAGE_COLUMNS + ")" : "")
                    + (image < 0 && label == null ? " and " : "")
                    + (label == null ? "a '" + LABEL_COLUMN + "' column" : ""));
        }
        List<String> trimmed = new ArrayList<>(names.size());
        for (String n : names) {
            trimmed.add(n.trim());
        }
        return new Header(Collections.unmodifiableList(trimmed), image, label);
    }

    private static boolean isBlank(List<String> row) {
        return row.size() == 1 && row.get(0).isBlank();
    }

    /**
     * Parses a label: {@code real}/{@code fake} literally, {@code 0}/{@code 1}/{@code false}/{@code true}
     * by the convention; {@code null} if the spelling is not one of these.
     */
    public static Authenticity parseLabel(String value, NumericLabels numeric) {
        Objects.requireNonNull(numeric, "numeric");
        String v = value.trim().toLowerCase(Locale.ROOT);
        boolean one;
        switch (v) {
            case "real" -> {
                return Authenticity.REAL;
            }
            case "fake" -> {
                return Authenticity.FAKE;
            }
            case "1", "true" -> one = true;
            case "0", "false" -> one = false;
            default -> {
                return null;
            }
        }
        boolean fake = numeric == NumericLabels.ONE_IS_FAKE ? one : !one;
        return fake ? Authenticity.FAKE : Authenticity.REAL;
    }

    /**
     * Re-reads the CSV from the start. The CSV stays open until the iteration ends (or {@link #close()}).
     *
     * @throws DatasetException.Unchecked if the CSV can no longer be opened or read, or its header changed
     */
    @Override
    protected RecordStream openStream(ValidationReport report) {
        CsvReader csv;
        Header header;
        try {
            csv = open();
        } catch (IOException e) {
            throw new DatasetException.Unchecked(new DatasetException(csvFile, "cannot open: " + e.getMessage(), e));
        }
        try {
            header = header(csv);
        } catch (IOException e) {
            IoUtils.closeQuietly(csv);
            throw new DatasetException.Unchecked(new DatasetException(csvFile, "cannot read the header: "
                    + e.getMessage(), e));
        } catch (DatasetException e) {
            IoUtils.closeQuietly(csv);
            throw new DatasetException.Unchecked(e);
        }
        return new RowIterator(csv, header, report);
    }

    private final class RowIterator extends RecordStream {
        private final CsvReader csv;
        private final Header header;

        RowIterator(CsvReader csv, Header header, ValidationReport report) {
            super(report);
            this.csv = csv;
            this.header = header;
        }

        @Override
        protected ArtifactRecord read() throws DatasetException {
            List<String> row;
            try {
                row = csv.next();
            } catch (CsvReader.CsvFormatException e) {
                report.add("malformed_row", "line " + e.line(), e.getMessage());
                report.recordSkipped();
                return null;
            } catch (IOException e) {
                throw new DatasetException(csvFile, "read error after line " + csv.recordLine() + ": " + e, e);
            }
            if (row == null) {
                end();
                return null;
            }
            return isBlank(row) ? null : toRecord(row, csv.recordLine());
        }

        @Override
        protected void release() {
            IoUtils.closeQuietly(csv); // closing a read-only file: nothing to lose
        }

        private ArtifactRecord toRecord(List<String> row, long line) {
            String where = "line " + line;
            if (row.size() != header.names().size()) {
                report.add("malformed_row", where, "expected " + header.names().size()
                        + " fields as in the header, got " + row.size());
                report.recordSkipped();
                return null;
            }
            String fileValue = row.get(header.imageColumn()).trim();
            String id = fileValue.isEmpty() ? where : fileValue;
            Path image;
            try {
                image = fileValue.isEmpty() ? null : imagesDir.resolve(fileValue).normalize();
            } catch (InvalidPathException e) {
                image = null;
            }
            if (image == null) {
                report.add("bad_path", id, where + ": the image column '" + header.names().get(header.imageColumn())
                        + "' is empty or not a valid path: '" + fileValue + "'");
                report.recordSkipped();
                return null;
            }
            String labelValue = row.get(header.labelColumn());
            Authenticity authenticity = parseLabel(labelValue, numeric);
            if (authenticity == null) {
                report.add("unknown_label", id, where + ": label '" + labelValue
                        + "' is not one of real, fake, 0, 1, true, false (any case)");
                report.recordSkipped();
                return null;
            }
            if (!Files.isRegularFile(image)) {
                report.add("missing_image", id, where + ": " + image + " does not exist");
                report.recordSkipped();
                return null;
            }
            Map<String, String> attrs = new LinkedHashMap<>();
            for (int i = 0; i < row.size(); i++) {
                if (i != header.imageColumn() && i != header.labelColumn()) {
                    attrs.put(header.names().get(i), row.get(i));
                }
            }
            report.recordRead();
            return new ArtifactRecord(id, name(), image, authenticity, "", List.of(), attrs);
        }

    }
}
