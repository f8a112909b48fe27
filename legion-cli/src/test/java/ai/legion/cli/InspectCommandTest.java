package ai.legion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class InspectCommandTest {

    @TempDir
    Path tmp;

    /** A torch-zip checkpoint whose pickle calls {@code module.name("touch MARKER")}. */
    private Path evilCheckpoint(String module, String name, Path marker) throws Exception {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.write(0x80);
        p.write(2);
        p.write('c');
        p.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
        byte[] cmd = ("touch " + marker).getBytes(StandardCharsets.UTF_8);
        p.write('X');
        p.write(cmd.length & 0xFF);
        p.write((cmd.length >>> 8) & 0xFF);
        p.write(0);
        p.write(0);
        p.writeBytes(cmd);
        p.write(0x85); // TUPLE1
        p.write('R');
        p.write('.');
        Path f = tmp.resolve("evil.bin");
        try (ZipArchiveOutputStream z = new ZipArchiveOutputStream(f)) {
            ZipArchiveEntry e = new ZipArchiveEntry("evil/data.pkl");
            e.setMethod(ZipArchiveEntry.STORED);
            e.setSize(p.size());
            z.putArchiveEntry(e);
            z.write(p.toByteArray());
            z.closeArchiveEntry();
        }
        return f;
    }

    @ParameterizedTest
    @CsvSource({"posix, system", "builtins, eval", "os, system", "subprocess, Popen"})
    void forbiddenGlobalsExitNonZeroNamingTheGlobalAndRunNothing(String module, String name) throws Exception {
        Path marker = tmp.resolve("pwned");
        Path ckpt = evilCheckpoint(module, name, marker);
        StringWriter err = new StringWriter();
        int code = LegionCli.commandLine().setErr(new PrintWriter(err)).execute("inspect", ckpt.toString());
        assertEquals(2, code, err.toString());
        assertTrue(err.toString().contains("forbidden global '" + module + "." + name + "'"), err.toString());
        assertTrue(err.toString().contains("evil.bin"), err.toString());
        assertFalse(Files.exists(marker), "nothing was executed");
    }
}
