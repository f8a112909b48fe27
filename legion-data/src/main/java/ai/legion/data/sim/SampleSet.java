package ai.legion.data.sim;

import ai.legion.core.io.CheckpointException;
import ai.legion.core.io.IoUtils;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;

/**
 * The README samples, picked from a generated scars-sim by a fixed rule rather than by hand: the first
 * {@code fakes} records of the held-out {@code test} split in file order become {@code images/fake-1.png} ...
 * with their annotation records (every field, scene facts included) in {@code annotations/test.json}, and the
 * first real image of {@code detect/test/0_real} becomes {@code real.png}. The output is a SynthScars-layout root
 * with split {@code test}.
 */
public final class SampleSet {

    private SampleSet() {}

    /**
     * Writes the samples under {@code out} (created; files replaced atomically).
     *
     * @param root a scars-sim root ({@link ScarsSimGenerator#generate})
     * @param fakes how many fake samples (at least 1)
     * @throws IOException if the root lacks the test split, its annotations or enough images
     */
    public static void write(Path root, int fakes, Path out) throws IOException {
        if (fakes < 1) {
            throw new IllegalArgumentException("fakes must be at least 1, got " + fakes);
        }
        Path ann = root.resolve("test/annotations/test.json");
        Path real = root.resolve("detect/test/0_real").resolve(ScarsSimGenerator.imageName("real", 0));
        for (Path p : new Path[] {ann, real}) {
            if (!Files.isRegularFile(p)) {
                throw new IOException(p + " not found: " + root + " is not a scars-sim root with a test split and "
                        + "detection folders (./legion data sim)");
            }
        }
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        JsonNode records = json.readTree(ann.toFile());
        if (!records.isArray() || records.size() < fakes) {
            throw new IOException(ann + ": expected an array of at least " + fakes + " records");
        }
        Files.createDirectories(out.resolve("images"));
        Files.createDirectories(out.resolve("annotations"));
        ArrayNode picked = json.createArrayNode();
        for (int i = 0; i < fakes; i++) {
            ObjectNode wrapper = (ObjectNode) records.get(i).deepCopy();
            Iterator<Map.Entry<String, JsonNode>> fields = wrapper.fields();
            ObjectNode record = (ObjectNode) fields.next().getValue();
            Path image = root.resolve("test/images").resolve(record.get("img_file_name").asText());
            String name = "fake-" + (i + 1) + ".png";
            copy(image, out.resolve("images").resolve(name));
            record.put("img_file_name", name);
            picked.add(wrapper);
        }
        copy(real, out.resolve("real.png"));
        try {
            IoUtils.writeAtomically(out.resolve("annotations/test.json"), json.writeValueAsBytes(picked));
        } catch (CheckpointException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        try {
            IoUtils.writeAtomically(to, Files.readAllBytes(from));
        } catch (CheckpointException e) {
            throw new IOException(e.getMessage(), e);
        }
    }
}
