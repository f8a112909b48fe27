package ai.legion.core.text;

import static ai.legion.testing.HostileText.ESCAPED;
import static ai.legion.testing.HostileText.PAYLOAD;
import static ai.legion.testing.HostileText.assertNoRawControls;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.config.ConfigException;
import ai.legion.core.config.LegionConfig;
import ai.legion.core.image.ImageException;
import ai.legion.core.image.ImageLoader;
import ai.legion.core.io.CheckpointException;
import ai.legion.core.io.Checkpoints;
import ai.legion.core.report.Artifact;
import ai.legion.core.report.ArtifactReport;
import ai.legion.core.report.BinaryMask;
import ai.legion.core.report.ReportJson;
import ai.legion.testing.Fixtures;
import ai.legion.testing.HostileText;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Messages of the errors a crafted checkpoint, config or image name causes show the hostile characters
 * escaped, while the exceptions' fields keep the exact strings.
 */
class UntrustedMessagesTest {

    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    /** A safetensors file whose only tensor has a hostile key and a hostile dtype. */
    static Path hostileSafetensors(Path file, String key, String dtype) throws Exception {
        ObjectNode header = JSON.createObjectNode();
        ObjectNode t = header.putObject(key);
        t.put("dtype", dtype);
        t.putArray("shape").add(1);
        t.putArray("data_offsets").add(0).add(4);
        byte[] json = JSON.writeValueAsBytes(header); // JSON escapes: the header is valid, the key is hostile
        ByteBuffer b = ByteBuffer.allocate(8 + json.length + 4).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(json.length).put(json).putFloat(1f);
        Files.write(file, b.array());
        return file;
    }

    @Test
    void aSafetensorsKeyAndDtypeAreEscapedInTheMessageAndExactInTheField() throws Exception {
        String key = "w" + PAYLOAD + "\nlegion: all fine";
        Path f = hostileSafetensors(tmp.resolve("k.safetensors"), key, "F" + PAYLOAD);
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoints.open(f));
        assertNoRawControls(e.getMessage());
        assertTrue(e.getMessage().contains("[tensor 'w" + ESCAPED + "\\nlegion: all fine']"), e.getMessage());
        // the dtype is quoted as JSON (C0 escaped by Jackson), the rest escaped by the message
        assertTrue(e.getMessage().contains("dtype \"F\\u001B]0;pwned\\u0007\\u001B[2J\\rFAKE\\b\\b\\u202eevil\\x9b"),
                e.getMessage());
        assertEquals(key, e.tensor(), "the field keeps the exact key");
    }

    @Test
    void aForbiddenPickleGlobalWithControlsAndInvalidUtf8IsShownEscaped() throws Exception {
        Path f = HostileText.forbiddenGlobalCheckpoint(tmp.resolve("evil.bin"), "os", "system");
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoints.open(f));
        assertNoRawControls(e.getMessage());
        assertTrue(e.getMessage().contains("forbidden global 'os.system" + ESCAPED + "\ufffd'"), e.getMessage());
    }

    @Test
    void aConfigStringIsEscapedInTheError() throws Exception {
        ObjectNode cfg = (ObjectNode) JSON.readTree(Fixtures.path("parity/legion_tiny/config.json").toFile());
        cfg.put("hidden_act", PAYLOAD);
        Path f = tmp.resolve("config.json");
        JSON.writeValue(f.toFile(), cfg);
        ConfigException e = assertThrows(ConfigException.class, () -> LegionConfig.read(f));
        assertNoRawControls(e.getMessage());
        assertTrue(e.getMessage().contains("hidden_act \"" + ESCAPED + "\""), e.getMessage());
        assertTrue(e.detail().contains(PAYLOAD), "detail() keeps the exact value");
    }

    @Test
    void anImageNameIsEscapedInTheError() {
        String name = "upload" + PAYLOAD + ".png";
        ImageException e = assertThrows(ImageException.class,
                () -> new ImageLoader().load(new ByteArrayInputStream("not an image".getBytes()), name));
        assertNoRawControls(e.getMessage());
        assertTrue(e.getMessage().startsWith("upload" + ESCAPED + ".png: "), e.getMessage());
        assertEquals(name, e.source());
    }

    @Test
    void reportJsonEscapesWhatATerminalWouldActOnAndStillDecodesToTheExactText() throws Exception {
        String text = PAYLOAD + " d\u00e9j\u00e0 vu \u9375";
        ArtifactReport report = ArtifactReport.builder("img" + PAYLOAD, 4, 4).summary(text)
                .addArtifact(new Artifact(0, text, text, BinaryMask.empty(4, 4), 0.5f)).rawText(text).build();
        String json = ReportJson.toJson(report, false);
        assertNoRawControls(json);
        assertTrue(json.contains("\\u001B]0;pwned\\u0007"), json);
        assertTrue(json.contains("\\u202E") && json.contains("\\u009B") && json.contains("\\u200B"), json);
        assertTrue(json.contains("d\u00e9j\u00e0 vu \u9375"), "other non-ASCII text stays readable: " + json);
        assertEquals(report, ReportJson.fromJson(json));
    }
}
