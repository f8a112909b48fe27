package ai.legion.cli;

import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * libtorch's operator profiler around a piece of work (DJL exposes it as {@code JniUtils.startProfile} /
 * {@code stopProfile}, which writes a Chrome trace), and a summary of that trace: each operator's self time (its
 * duration minus that of the operators it called), so {@code aten::linear} is not counted again inside
 * {@code aten::addmm}.
 */
final class TorchProfile {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One operator name's totals over a trace. */
    record Op(String name, long calls, double selfMs, double totalMs) {}

    private TorchProfile() {}

    /** Starts recording operators and their input shapes. */
    static void start() {
        JniUtils.startProfile(false, true, false);
    }

    /** Stops recording and writes the Chrome trace (open it in chrome://tracing or Perfetto) to {@code trace}. */
    static void stop(Path trace) throws IOException {
        Path abs = trace.toAbsolutePath();
        Files.createDirectories(abs.getParent());
        // libtorch writes the file itself; write beside it and move, so a reader never sees half a trace
        Path tmp = Files.createTempFile(abs.getParent(), abs.getFileName().toString(), ".part");
        try {
            JniUtils.stopProfile(tmp.toString());
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * The operators of a Chrome trace by self time, largest first. Complete events ({@code "ph": "X"}) nest by
     * time within a thread; an event's self time is its duration minus its direct children's.
     *
     * @throws IOException if the file cannot be read or is not a Chrome trace
     */
    static List<Op> summarize(Path trace) throws IOException {
        JsonNode root = JSON.readTree(trace.toFile());
        JsonNode events = root.isArray() ? root : root.path("traceEvents");
        if (!events.isArray()) {
            throw new IOException(trace + ": not a Chrome trace (no traceEvents array)");
        }
        record Event(String name, long tid, double ts, double dur) {}
        Map<Long, List<Event>> byThread = new HashMap<>();
        for (JsonNode e : events) {
            if (!"X".equals(e.path("ph").asText()) || !e.has("dur")) {
                continue;
            }
            long tid = e.path("tid").asLong();
            byThread.computeIfAbsent(tid, k -> new ArrayList<>())
                    .add(new Event(e.path("name").asText(), tid, e.path("ts").asDouble(), e.path("dur").asDouble()));
        }
        Map<String, double[]> totals = new HashMap<>(); // name -> {calls, self us, total us}
        for (List<Event> list : byThread.values()) {
            // parents first: earlier start, and for equal starts the longer one
            list.sort(Comparator.comparingDouble(Event::ts).thenComparing(Comparator.comparingDouble(Event::dur)
                    .reversed()));
            Deque<double[]> open = new ArrayDeque<>(); // {end, self so far, index}
            List<double[]> self = new ArrayList<>();
            for (int i = 0; i < list.size(); i++) {
                Event e = list.get(i);
                while (!open.isEmpty() && open.peek()[0] <= e.ts) {
                    open.pop();
                }
                if (!open.isEmpty()) {
                    open.peek()[1] -= e.dur;
                }
                double[] s = {e.ts + e.dur, e.dur, i};
                self.add(s);
                open.push(s);
            }
            for (int i = 0; i < list.size(); i++) {
                double[] t = totals.computeIfAbsent(list.get(i).name, k -> new double[3]);
                t[0]++;
                t[1] += Math.max(0, self.get(i)[1]);
                t[2] += list.get(i).dur;
            }
        }
        List<Op> ops = new ArrayList<>();
        totals.forEach((name, t) -> ops.add(new Op(name, (long) t[0], t[1] / 1e3, t[2] / 1e3)));
        ops.sort(Comparator.comparingDouble(Op::selfMs).reversed());
        return ops;
    }
}
