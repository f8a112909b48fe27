package ai.legion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Exit codes of the commands other than {@code analyze} (see AnalyzeCommandTest) and {@code eval} (see
 * EvalCommandTest): usage and input errors exit 2 with one line naming the file, key or argument, runtime
 * failures 1, and no stack trace in either case.
 */
class ExitCodesTest {

    @TempDir
    Path tmp;

    record Run(int code, String err) {}

    static Run legion(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = LegionCli.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
        return new Run(cl.execute(args), err.toString());
    }

    /** Runs a case and checks its exit code, that stderr names {@code named} and shows no stack trace. */
    static void expect(int code, String named, String... args) {
        Run r = legion(args);
        String what = String.join(" ", args) + " -> " + r.code() + ": " + r.err();
        assertEquals(code, r.code(), what);
        assertTrue(r.err().contains(named), "stderr names " + named + ": " + what);
        assertFalse(r.err().contains("\tat ") || r.err().contains("Exception:"), "no stack trace: " + what);
    }

    private Path write(String name, String text) throws Exception {
        Path f = tmp.resolve(name);
        Files.createDirectories(f.getParent());
        Files.writeString(f, text, StandardCharsets.UTF_8);
        return f;
    }

    @Test
    void trainNamesTheFileOrKeyAndExitsTwoForBadInput() throws Exception {
        Path missing = tmp.resolve("missing.json");
        for (String stage : new String[] {"clip", "stage1", "stage2", "export"}) { // each stage reaches its config
            expect(2, "missing.json", "train", stage, "--config", missing.toString());
        }
        Path notJson = write("broken.json", "{\"epochs\": 2,");
        expect(2, "broken.json", "train", "stage1", "--config", notJson.toString());
        Path unknown = write("unknown.json", "{\"epoch\": 2}");
        expect(2, "unknown key 'epoch'", "train", "stage1", "--config", unknown.toString());
        Path negative = write("negative.json", "{\"checkpoint_every\": -5}");
        expect(2, "checkpoint_every", "train", "stage1", "--config", negative.toString());
        Path wrongType = write("type.json", "{\"batch_size\": \"eight\"}");
        expect(2, "batch_size", "train", "stage1", "--config", wrongType.toString());
        Path badCreate = write("create.json", "{\"data\": \".\", \"create\": {\"legion_config\": {}, \"clip_config\": "
                + "{}, \"tokenizer\": \"t\"}}");
        expect(2, "create.sam_config", "train", "stage1", "--config", badCreate.toString());
        Path noData = write("nodata.json", "{\"data\": \"no-such-folder\"}");
        expect(2, "no-such-folder", "train", "stage1", "--config", noData.toString());
        expect(2, "stage3", "train", "stage3", "--config", negative.toString());
        expect(2, "--config", "train", "stage1");
    }

    @Test
    void otherCommandsExitTwoForBadInput() throws Exception {
        Path garbage = write("garbage.bin", "this is not a checkpoint");
        expect(2, "garbage.bin", "inspect", garbage.toString());
        expect(2, "garbage.bin", "convert", garbage.toString(), tmp.resolve("out").toString());
        expect(2, "no-such-root", "data", "check", "synthscars", tmp.resolve("no-such-root").toString());
        expect(2, "FORMAT", "data", "check", "coco", tmp.toString());
        expect(2, "garbage.bin", "tokenizer", "convert", garbage.toString(), tmp.resolve("t.json").toString());
        expect(2, "no-such-model", "tokenizer", "encode", "--model", tmp.resolve("no-such-model").toString(), "hi");
        expect(2, "--size", "data", "sim", "--out", tmp.resolve("sim").toString(), "--size", "-4");
        expect(2, "--bogus", "inspect", "--bogus", garbage.toString());
    }

    @Test
    void aRuntimeFailureExitsOne() throws Exception {
        // a dataset written where its folder cannot be created: the input is fine, the file system refuses
        Path file = write("occupied", "a file, not a folder");
        List<String> args = new ArrayList<>(List.of("data", "sim", "--out", file.resolve("sim").toString(), "--train",
                "1", "--test", "1", "--detect-train", "0", "--detect-test", "0", "--size", "32"));
        expect(1, "occupied", args.toArray(String[]::new));
    }
}
