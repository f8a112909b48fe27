package ai.legion.train;

import ai.legion.core.io.CheckpointException;
import ai.legion.core.io.IoUtils;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The JSON-lines metrics file of a training run: exactly one line per optimizer step, in step order, however
 * often the run was interrupted and resumed. A run killed after its last checkpoint has written lines for
 * steps the resumed run repeats; those lines (and a line torn by the kill) are dropped, by replacing the file
 * atomically, before the resumed run appends.
 */
final class MetricsFile {

    private static final ObjectMapper JSON = new ObjectMapper();

    private MetricsFile() {}

    /**
     * Keeps the lines of steps {@code 1..step} (the first line of each step, in increasing order) and drops the
     * rest; nothing happens when the file does not exist or already holds just those lines.
     */
    static void keepUpTo(Path file, long step) throws IOException {
        if (!Files.isRegularFile(file)) {
            return;
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        StringBuilder kept = new StringBuilder();
        long last = 0;
        int keptLines = 0;
        for (String line : lines) {
            long s = stepOf(line);
            if (s > last && s <= step) {
                kept.append(line).append('\n');
                last = s;
                keptLines++;
            }
        }
        if (keptLines == lines.size() && endsWithNewline(file)) {
            return;
        }
        write(file, kept.toString());
    }

    /** Replaces the file with one line per entry of {@code history} (a run that starts at step 1). */
    static void replace(Path file, List<StepMetrics> history) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (StepMetrics m : history) {
            sb.append(line(m)).append('\n');
        }
        write(file, sb.toString());
    }

    /** The JSON line of one step (without the newline). */
    static String line(StepMetrics m) throws IOException {
        return JSON.writeValueAsString(m);
    }

    /** The step of a metrics line, or -1 for a line that is not one (torn by a kill, or edited). */
    private static long stepOf(String line) {
        try {
            JsonNode n = JSON.readTree(line);
            return n != null && n.path("step").canConvertToLong() ? n.get("step").asLong() : -1;
        } catch (IOException e) {
            return -1;
        }
    }

    private static boolean endsWithNewline(Path file) throws IOException {
        long size = Files.size(file);
        if (size == 0) {
            return true;
        }
        try (var ch = java.nio.channels.FileChannel.open(file)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1);
            IoUtils.readFully(ch, b, size - 1);
            return b.get(0) == '\n';
        }
    }

    private static void write(Path file, String text) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
            String stale = "." + file.getFileName() + ".tmp-"; // left by a run killed during a rewrite
            try (java.util.stream.Stream<Path> s = Files.list(parent)) {
                for (Path p : s.filter(f -> f.getFileName().toString().startsWith(stale)).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
        try {
            IoUtils.writeAtomically(file, text.getBytes(StandardCharsets.UTF_8));
        } catch (CheckpointException e) {
            throw new IOException(file + ": cannot rewrite the metrics file: " + e.getMessage(), e);
        }
    }
}
