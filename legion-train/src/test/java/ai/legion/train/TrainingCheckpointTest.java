package ai.legion.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.legion.train.optim.AdamW;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code state.json} is the same bytes for the same state: the trainers' extras come from {@code Map.of}. */
class TrainingCheckpointTest {

    @TempDir
    Path tmp;

    @Test
    void stateFileDoesNotDependOnTheOrderOfTheExtras() throws Exception {
        Map<String, Object> ab = new LinkedHashMap<>();
        ab.put("total_steps", 1600L);
        ab.put("loss_scale_good_steps", 0L);
        Map<String, Object> ba = new LinkedHashMap<>();
        ba.put("loss_scale_good_steps", 0L);
        ba.put("total_steps", 1600L);
        try (NDManager m = NDManager.newBaseManager(Device.cpu()); AdamW adam = new AdamW(List.of(),
                AdamW.Config.LEGION, m)) {
            Path one = TrainingCheckpoint.save(tmp.resolve("one"), List.of(), adam,
                    new TrainingCheckpoint.State(400, 0, 400, 0, ab));
            Path two = TrainingCheckpoint.save(tmp.resolve("two"), List.of(), adam,
                    new TrainingCheckpoint.State(400, 0, 400, 0, ba));
            assertArrayEquals(Files.readAllBytes(one.resolve(TrainingCheckpoint.STATE)),
                    Files.readAllBytes(two.resolve(TrainingCheckpoint.STATE)));
            assertEquals(1600L, ((Number) TrainingCheckpoint.state(one).extra().get("total_steps")).longValue());
        }
    }
}
