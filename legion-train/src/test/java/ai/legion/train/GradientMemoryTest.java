package ai.legion.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.dataset.Batch;
import ai.legion.models.LegionModel;
import ai.legion.train.optim.AdamW;
import ai.legion.train.optim.TrainableParameter;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The backward pass must not depend on Java garbage collection. DJL wraps Java data (including the
 * scalar of {@code mul(Number)}) without copying; when such a handle is collected while autograd still
 * holds the tensor, the backward pass reads freed memory. The same batch's gradients are computed
 * twice, the second time with native memory freed and overwritten with NaN between forward and
 * backward: they must be identical.
 */
class GradientMemoryTest {

    @TempDir
    static Path tmp;

    @Test
    void gradientsDoNotDependOnGarbageCollectionBetweenForwardAndBackward() throws Exception {
        try (LegionModel m = Stage1TrainerTest.model(4); NDManager base = m.manager().newSubManager()) {
            List<TrainableParameter> params = Trainables.apply(m.weightMap(true), Trainables.ALL);
            Stage1Objective objective = new Stage1Objective(m, Stage1Objective.Weights.LEGION);
            try (AdamW opt = new AdamW(params, AdamW.Config.LEGION, m.manager())) {
                Batch batch = Stage1TrainerTest.dataset(m, Stage1TrainerTest.simRecords(tmp.resolve("sim"))).getData(base).iterator().next();
                opt.zeroGradients();
                List<float[]> clean = gradients(objective, batch, params, false);
                opt.zeroGradients();
                List<float[]> churned = gradients(objective, batch, params, true);
                int checked = 0;
                for (int i = 0; i < params.size(); i++) {
                    assertArrayEquals(clean.get(i), churned.get(i), params.get(i).key());
                    checked++;
                }
                assertTrue(checked > 100, "parameters compared: " + checked);
                batch.close();
            }
        }
    }

    private static List<float[]> gradients(Stage1Objective objective, Batch batch, List<TrainableParameter> params,
            boolean churn) throws InterruptedException {
        try (NDManager scope = batch.getManager().newSubManager();
                GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            Engine.getInstance().setRandomSeed(7);
            Stage1Objective.Losses l = objective.compute(new ParameterStore(scope, false), batch.getData(),
                    batch.getLabels(), true);
            if (churn) {
                churnNativeMemory();
            }
            gc.backward(l.total());
        }
        List<float[]> out = new ArrayList<>();
        for (TrainableParameter p : params) {
            out.add(p.parameter().getArray().getGradient().toFloatArray());
        }
        return out;
    }

    /** Collects unreachable handles (freeing their direct buffers) and refills freed memory with NaN. */
    static void churnNativeMemory() throws InterruptedException {
        for (int round = 0; round < 4; round++) {
            System.gc();
            Thread.sleep(50); // direct buffers are freed by a cleaner thread
            List<ByteBuffer> junk = new ArrayList<>();
            for (int i = 0; i < 2048; i++) {
                ByteBuffer b = ByteBuffer.allocateDirect(4 << (i % 10));
                while (b.remaining() >= 4) {
                    b.putFloat(Float.NaN);
                }
                junk.add(b);
            }
        }
    }
}
