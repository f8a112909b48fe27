package ai.legion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.config.LlamaConfig;
import ai.legion.models.EngineThreads;
import ai.legion.testing.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code legion bench forward} on the fixture LLaMA: the thread count it ran with, one row per case, the decode step's
 * bandwidth floor, and {@code --profile}'s traces and operator summary.
 */
class ForwardBenchmarkTest {

    /** Runs {@code bench forward} on the fixture LLaMA with {@code args}; returns what it printed (exit code 0). */
    private static String benchFixtureLlama(String... args) {
        Path config = Fixtures.path("parity/llama/config.json");
        int before = EngineThreads.get();
        PrintStream stdout = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            String[] all = Stream.concat(Stream.of("--config", config.toString(), "--warmup", "0", "--tokens", "6"),
                    Stream.of(args)).toArray(String[]::new);
            code = new CommandLine(new ForwardBenchmark()).execute(all);
        } finally {
            System.setOut(stdout);
            EngineThreads.set(before);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, out);
        return out;
    }

    @Test
    void llamaCasesPrintOneRowEachWithTheThreadsSet() throws Exception {
        Path config = Fixtures.path("parity/llama/config.json");
        String out = benchFixtureLlama("--runs", "1", "--threads", "1");
        assertTrue(out.contains("; 1 libtorch threads, "), out);
        List<String> rows = out.lines().filter(l -> l.startsWith("llm.")).toList();
        assertEquals(2, rows.size(), out); // prefill and one cached decode step
        LlamaConfig c = LlamaConfig.read(config);
        long h = c.hiddenSize();
        // embeddings, lm_head, per layer q/k/v/o + gate/up/down + two norms, the final norm
        long params = 2L * c.vocabSize() * h + c.numHiddenLayers() * (4 * h * h + 3 * h * c.intermediateSize() + 2 * h)
                + h;
        for (String row : rows) {
            String[] cols = row.trim().split("\\s{2,}");
            assertEquals(params / 1e6, Double.parseDouble(cols[1]), 0.05, row);
            assertTrue(Double.parseDouble(cols[2]) > 0 && Double.parseDouble(cols[3]) > 0, row);
        }
        // a decode step reads every weight once but all embedding rows except its token's
        Matcher floor = Pattern.compile("floor of llm\\.decode .*: it reads ([0-9.]+) MB of float32 weights: "
                + "copy bandwidth ([0-9.]+) GB/s -> floor ([0-9.]+) ms, median ([0-9.]+) ms = ([0-9.]+)x the floor").matcher(out);
        assertTrue(floor.find(), out);
        double mb = (params - (c.vocabSize() - 1L) * h) * 4 / 1e6;
        assertEquals(mb, Double.parseDouble(floor.group(1)), 0.05, floor.group());
        double bw = Double.parseDouble(floor.group(2));
        assertTrue(bw > 0.1, floor.group());
        assertEquals(mb / 1e3 / bw * 1e3, Double.parseDouble(floor.group(3)), 0.01 + 1e-3 * mb / bw, floor.group());
        double floorMs = Double.parseDouble(floor.group(3));
        double medianMs = Double.parseDouble(floor.group(4));
        // the printed figures are rounded to 0.01: allow for that in the ratio
        double slack = medianMs / floorMs * (0.005 / floorMs + 0.005 / medianMs) + 0.005;
        assertEquals(medianMs / floorMs, Double.parseDouble(floor.group(5)), slack, floor.group());
    }

    @Test
    void profileWritesATracePerBlockAndPrintsItsOperators(@TempDir Path dir) throws Exception {
        String out = benchFixtureLlama("--runs", "2", "--profile", dir.toString());
        try (Stream<Path> files = Files.list(dir)) {
            List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
            assertEquals(2, names.size(), names.toString()); // prefill and decode, no leftover partial file
            assertTrue(names.stream().allMatch(n -> n.startsWith("llm.") && n.endsWith(".json")), names.toString());
        }
        assertEquals(2, out.lines().filter(l -> l.contains("profile of the 2 timed runs")).count(), out);
        assertTrue(out.lines().anyMatch(l -> l.trim().startsWith("aten::")), out);
    }

    @Test
    void selfTimeIsDurationMinusDirectChildren(@TempDir Path dir) throws Exception {
        // thread 1: linear [0,100) calls addmm [10,70) which calls copy_ [20,30); an unrelated add at [100,105)
        // thread 2: one addmm [0,50); plus a non-complete event that is ignored
        Path trace = dir.resolve("t.json");
        Files.writeString(trace, """
                {"traceEvents": [
                  {"ph": "X", "name": "aten::addmm", "tid": 1, "ts": 10, "dur": 60},
                  {"ph": "X", "name": "aten::linear", "tid": 1, "ts": 0, "dur": 100},
                  {"ph": "X", "name": "aten::copy_", "tid": 1, "ts": 20, "dur": 10},
                  {"ph": "X", "name": "aten::add", "tid": 1, "ts": 100, "dur": 5},
                  {"ph": "X", "name": "aten::addmm", "tid": 2, "ts": 0, "dur": 50},
                  {"ph": "i", "name": "marker", "tid": 1, "ts": 5}
                ]}""");
        List<TorchProfile.Op> ops = TorchProfile.summarize(trace);
        assertEquals(List.of("aten::addmm", "aten::linear", "aten::copy_", "aten::add"),
                ops.stream().map(TorchProfile.Op::name).toList());
        TorchProfile.Op addmm = ops.get(0);
        assertEquals(2, addmm.calls());
        assertEquals(0.100, addmm.selfMs(), 1e-9); // (60 - 10) + 50 us
        assertEquals(0.110, addmm.totalMs(), 1e-9);
        assertEquals(0.040, ops.get(1).selfMs(), 1e-9); // 100 - 60
        assertEquals(0.010, ops.get(2).selfMs(), 1e-9);
        assertEquals(0.005, ops.get(3).selfMs(), 1e-9);
    }
}
