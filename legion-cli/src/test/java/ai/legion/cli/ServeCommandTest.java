package ai.legion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code legion serve} before and around loading: a missing folder is named before anything starts, and a model
 * that cannot load stops the command with exit code 2 and the loader's message instead of a server that is never
 * ready. (The serving itself is tested over a socket in legion-serve.)
 */
class ServeCommandTest {

    private static String[] serve(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] all = new String[args.length + 1];
        all[0] = "serve";
        System.arraycopy(args, 0, all, 1, args.length);
        int code = LegionCli.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(all);
        return new String[] {Integer.toString(code), out.toString(), err.toString()};
    }

    @Test
    void missingModelFolderIsNamedBeforeTheServerStarts(@TempDir Path tmp) {
        Path missing = tmp.resolve("no-model");
        String[] r = serve("--model", missing.toString(), "--port", "0");
        assertEquals("2", r[0], r[2]);
        assertEquals("legion: --model " + missing + ": no such folder", r[2].strip());
    }

    @Test
    void modelThatCannotLoadStopsTheServerWithExitCode2(@TempDir Path empty) {
        String[] r = serve("--model", empty.toString(), "--port", "0");
        assertEquals("2", r[0], r[2]);
        String[] lines = r[2].strip().split("\n");
        assertTrue(lines[0].startsWith("legion serve: listening on http://127.0.0.1:"), r[2]);
        assertTrue(lines[lines.length - 1].startsWith("legion: ") && lines[lines.length - 1].contains(empty.toString()),
                r[2]);
    }
}
