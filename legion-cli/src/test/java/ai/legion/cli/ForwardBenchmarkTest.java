package ai.legion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.config.LlamaConfig;
import ai.legion.models.EngineThreads;
import ai.legion.testing.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code legion bench forward} on the fixture LLaMA: the thread count it ran with, one row per case. */
class ForwardBenchmarkTest {

    @Test
    void llamaCasesPrintOneRowEachWithTheThreadsSet() throws Exception {
        Path config = Fixtures.path("parity/llama/config.json");
        int before = EngineThreads.get();
        PrintStream stdout = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            code = new CommandLine(new ForwardBenchmark()).execute("--config", config.toString(), "--warmup", "0",
                    "--runs", "1", "--tokens", "6", "--threads", "1");
        } finally {
            System.setOut(stdout);
            EngineThreads.set(before);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, out);
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
    }
}
