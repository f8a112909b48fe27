package ai.legion.spark;

import ai.legion.core.image.ImageLoader;
import ai.legion.core.image.RgbImage;
import ai.legion.models.inference.BatchItem;
import ai.legion.models.inference.LegionAnalyzer;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * Analyzes one partition in batches of the loader's batch size with the executor's shared analyzer, appending the
 * {@link AnalysisColumns} to each row in input order. Rows are pulled lazily (one batch of decoded images in memory
 * at a time). An image that cannot be read or analyzed gets its {@code error} column set; the task goes on.
 */
final class PartitionAnalyzer implements MapPartitionsFunction<Row, Row> {

    private static final long serialVersionUID = 1L;

    private final AnalyzerLoader loader;
    private final int inputIndex;
    private final boolean binary;
    private final int nameIndex;

    /**
     * @param loader the executor's analyzer
     * @param inputIndex the input column: a path string, or image bytes when {@code binary}
     * @param binary whether the input column holds the encoded image
     * @param nameIndex a column naming the image in reports and errors ({@code binaryFile}'s {@code path}), or -1
     */
    PartitionAnalyzer(AnalyzerLoader loader, int inputIndex, boolean binary, int nameIndex) {
        this.loader = loader;
        this.inputIndex = inputIndex;
        this.binary = binary;
        this.nameIndex = nameIndex;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> input) {
        ImageLoader images = new ImageLoader();
        return new Iterator<>() {
            private final Deque<Row> ready = new ArrayDeque<>();

            @Override
            public boolean hasNext() {
                while (ready.isEmpty() && input.hasNext()) {
                    List<Row> chunk = new ArrayList<>(loader.batchSize());
                    while (chunk.size() < loader.batchSize() && input.hasNext()) {
                        chunk.add(input.next());
                    }
                    ready.addAll(analyze(chunk, images));
                }
                return !ready.isEmpty();
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return ready.poll();
            }
        };
    }

    private List<Row> analyze(List<Row> rows, ImageLoader images) {
        Object[][] analysis = new Object[rows.size()][];
        List<RgbImage> decoded = new ArrayList<>();
        List<String> sources = new ArrayList<>();
        List<Integer> slots = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            Row row = rows.get(i);
            String name = name(row, i);
            try {
                decoded.add(decode(row, name, images));
                sources.add(name);
                slots.add(i);
            } catch (Exception e) {
                analysis[i] = AnalysisColumns.failed("cannot read the image " + name + ": " + describe(e));
            }
        }
        if (!decoded.isEmpty()) {
            // a model that cannot be loaded here fails the task (every row would fail the same way)
            LegionAnalyzer analyzer = loader.analyzer();
            List<BatchItem> items;
            try {
                items = loader.withPermit(() -> analyzer.analyzeAllDecoded(decoded, sources));
            } catch (RuntimeException e) {
                String why = "analysis failed: " + describe(e);
                items = sources.stream().map(s -> BatchItem.failed(s, new IllegalStateException(why))).toList();
            }
            for (int k = 0; k < items.size(); k++) {
                BatchItem item = items.get(k);
                analysis[slots.get(k)] = item.succeeded() ? AnalysisColumns.values(item.report())
                        : AnalysisColumns.failed("analysis failed: " + describe(item.error()));
            }
        }
        List<Row> out = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            Row row = rows.get(i);
            Object[] values = new Object[row.length() + analysis[i].length];
            for (int c = 0; c < row.length(); c++) {
                values[c] = row.get(c);
            }
            System.arraycopy(analysis[i], 0, values, row.length(), analysis[i].length);
            out.add(RowFactory.create(values));
        }
        return out;
    }

    private String name(Row row, int i) {
        int idx = nameIndex >= 0 ? nameIndex : binary ? -1 : inputIndex;
        if (idx >= 0 && !row.isNullAt(idx)) {
            return row.get(idx).toString();
        }
        return "row " + i + " of the batch";
    }

    private RgbImage decode(Row row, String name, ImageLoader images) throws Exception {
        if (row.isNullAt(inputIndex)) {
            throw new IllegalArgumentException("the input column is null");
        }
        if (binary) {
            return images.load(new ByteArrayInputStream((byte[]) row.get(inputIndex)), name);
        }
        String path = row.getString(inputIndex);
        if (ModelFiles.isRemote(path)) {
            try (InputStream in = ModelFiles.openRemote(path)) {
                return images.load(in, path);
            }
        }
        return images.load(ModelFiles.localPath(path));
    }

    static String describe(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }
}
