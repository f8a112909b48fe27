package ai.legion.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.legion.core.io.Checkpoint;
import ai.legion.core.io.CheckpointException;
import ai.legion.core.io.Checkpoints;
import ai.legion.core.io.IoUtils;
import ai.legion.core.io.NDArrayLoader;
import ai.legion.core.io.SafetensorsWriter;
import ai.legion.train.optim.AdamW;
import ai.legion.train.optim.TrainableParameter;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A training checkpoint: the trainable weights only (safetensors, upstream keys), the optimizer's
 * moments and step, and where training stands ({@code state.json}: step, epoch, next batch, seed). A
 * checkpoint is a folder {@code step-NNNNNNNN} written under a temporary name and renamed into place;
 * {@code latest} names the newest, so a crash never leaves a half-written checkpoint behind it.
 */
public final class TrainingCheckpoint {

    /** Where training stands. */
    public record State(long step, long epoch, long nextBatch, long seed, Map<String, Object> extra) {}

    // sorted keys: the extras come from Map.of, whose order changes from one JVM to the next, and the same run
    // should write the same bytes
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
    static final String WEIGHTS = "weights.safetensors";
    static final String OPTIMIZER = "optimizer.safetensors";
    static final String STATE = "state.json";
    static final String LATEST = "latest";
    private static final java.util.regex.Pattern TEMPORARY = java.util.regex.Pattern.compile(
            "\\.step-\\d+(\\.old)?\\.tmp|\\.latest\\.tmp-.+");

    private TrainingCheckpoint() {}

    /** Writes a checkpoint and points {@code latest} at it; returns its folder. */
    public static Path save(Path root, List<TrainableParameter> params, AdamW optimizer, State state)
            throws CheckpointException {
        String name = String.format("step-%08d", state.step());
        Path target = root.resolve(name);
        Path tmp = root.resolve("." + name + ".tmp");
        try {
            Files.createDirectories(root);
            removeTemporaries(root);
            Files.createDirectories(tmp);
            SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
            for (TrainableParameter p : params) {
                w.add(p.key(), p.parameter().getArray());
            }
            w.write(tmp.resolve(WEIGHTS));
            optimizer.save(tmp.resolve(OPTIMIZER));
            byte[] json = JSON.writeValueAsBytes(state);
            IoUtils.writeAtomically(tmp.resolve(STATE), json);
            Path old = root.resolve("." + name + ".old.tmp");
            if (Files.exists(target)) { // the same step saved again (a resumed run that had nothing left to do)
                move(target, old);
            }
            move(tmp, target);
            byte[] latest = name.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            IoUtils.writeAtomically(root.resolve(LATEST), latest);
            IoUtils.deleteRecursively(old);
            return target;
        } catch (IOException e) {
            throw new CheckpointException(root, null, "cannot write checkpoint " + name + ": " + e, e);
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    /**
     * Removes what a run killed while saving left: {@code .step-N.tmp} and {@code .step-N.old.tmp} folders, and
     * the temporary file of {@code latest} ({@code .latest.tmp-UUID}, see {@link IoUtils#writeAtomically}).
     */
    private static void removeTemporaries(Path root) throws IOException {
        try (Stream<Path> s = Files.list(root)) {
            for (Path p : s.filter(f -> TEMPORARY.matcher(f.getFileName().toString()).matches()).toList()) {
                IoUtils.deleteRecursively(p);
            }
        }
    }

    /**
     * The newest checkpoint folder under {@code root}, or {@code null} if there is none: the one {@code latest}
     * names, or, when a run was killed while replacing that folder, the highest complete {@code step-N} folder.
     */
    public static Path latest(Path root) throws CheckpointException {
        Path pointer = root.resolve(LATEST);
        if (!Files.isRegularFile(pointer)) {
            return null;
        }
        try {
            Path dir = root.resolve(Files.readString(pointer).strip());
            if (Files.isRegularFile(dir.resolve(STATE))) {
                return dir;
            }
            Path newest = null;
            try (Stream<Path> s = Files.list(root)) {
                for (Path p : s.filter(f -> f.getFileName().toString().matches("step-\\d{8}")).sorted().toList()) {
                    if (Files.isRegularFile(p.resolve(STATE))) {
                        newest = p;
                    }
                }
            }
            if (newest == null) {
                throw new CheckpointException(pointer, null, "names a missing checkpoint " + dir.getFileName()
                        + " and no other complete step-N folder is there");
            }
            return newest;
        } catch (IOException e) {
            throw new CheckpointException(pointer, null, "cannot read: " + e, e);
        }
    }

    /**
     * Restores weights and optimizer state from a checkpoint folder and returns where training stood.
     * The trainable parameters must be the same (keys and shapes) as when it was written.
     */
    public static State restore(Path dir, List<TrainableParameter> params, AdamW optimizer) throws CheckpointException {
        restoreWeights(dir, params);
        optimizer.load(dir.resolve(OPTIMIZER));
        return state(dir);
    }

    /** Where training stood when the checkpoint in {@code dir} was written. */
    public static State state(Path dir) throws CheckpointException {
        try {
            return JSON.readValue(dir.resolve(STATE).toFile(), State.class);
        } catch (IOException e) {
            throw new CheckpointException(dir.resolve(STATE), null, "cannot read: " + e, e);
        }
    }

    /** Copies the checkpoint's trainable weights into {@code params} (same keys and shapes as when written). */
    public static void restoreWeights(Path dir, List<TrainableParameter> params) throws CheckpointException {
        try (Checkpoint c = Checkpoints.open(dir.resolve(WEIGHTS)); NDManager scratch = NDManager.newBaseManager()) {
            for (TrainableParameter p : params) {
                if (c.info(p.key()) == null) {
                    throw new CheckpointException(dir.resolve(WEIGHTS), p.key(), "trainable parameter missing");
                }
                NDArray target = p.parameter().getArray();
                try (NDArray loaded = NDArrayLoader.load(c, p.key(), scratch, NDArrayLoader.FloatPolicy.FLOAT32)) {
                    if (!loaded.getShape().equals(target.getShape())) {
                        throw new CheckpointException(dir.resolve(WEIGHTS), p.key(), "shape " + loaded.getShape()
                                + ", the model has " + target.getShape());
                    }
                    ai.legion.models.nn.Ops.assign(target, loaded);
                }
            }
        }
    }
}
