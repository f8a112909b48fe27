package ai.legion.data.dataset;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.Batch;
import ai.legion.core.config.ClipImageProcessorConfig;
import ai.legion.core.config.SamConfig;
import ai.legion.core.image.ClipImageProcessor;
import ai.legion.core.image.ImageLoader;
import ai.legion.core.image.SamImageProcessor;
import ai.legion.core.report.BinaryMask;
import ai.legion.core.tokenizer.LegionTokenizer;
import ai.legion.data.ArtifactRecord;
import ai.legion.data.Authenticity;
import ai.legion.data.Ref;
import ai.legion.data.Region;
import ai.legion.data.sample.Stage1SampleBuilder;
import ai.legion.testing.Fixtures;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Stage1DatasetTest {

    @TempDir
    Path tmp;

    List<ArtifactRecord> records(int n) throws Exception {
        List<ArtifactRecord> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Path img = tmp.resolve("r" + i + ".png");
            ImageIO.write(new BufferedImage(20 + i, 16, BufferedImage.TYPE_INT_RGB), "png", img.toFile());
            List<Ref> refs = new ArrayList<>();
            StringBuilder caption = new StringBuilder("Upon examining the image. I have found: things.\nTo elaborate, "
                    + "I have found the following artifacts. ");
            for (int k = 0; k <= i % 3; k++) {
                String phrase = "object number " + k;
                caption.append(phrase).append(":it is wrong number ").append(i).append('.');
                refs.add(new Ref(phrase, "", new Region.Polygons(List.of(new double[] {k, 0, k + 2, 0, k + 2, 2}))));
            }
            out.add(new ArtifactRecord("r" + i, "t", img, Authenticity.FAKE, caption.toString(), refs, Map.of()));
        }
        return out;
    }

    static BinaryMask pixel(ArtifactRecord r, Ref ref, int h, int w) {
        boolean[] px = new boolean[h * w];
        px[(int) ((Region.Polygons) ref.region()).polygon(0)[0]] = true;
        return BinaryMask.fromBooleans(px, h, w);
    }

    @Test
    void batchesPadIdsAndLabelsKeepMasksPerSampleAndShuffleReproducibly() throws Exception {
        try (LegionTokenizer tok = LegionTokenizer.load(Fixtures.path("prompt"));
                NDManager m = NDManager.newBaseManager()) {
            Stage1SampleBuilder sb = new Stage1SampleBuilder(tok, new ClipImageProcessor(ClipImageProcessorConfig.square(14)),
                    new SamImageProcessor(32, new float[] {1, 1, 1}, new float[] {1, 1, 1}), new ImageLoader(),
                    Stage1DatasetTest::pixel, null, 4);
            List<ArtifactRecord> recs = records(5);
            List<List<String>> orders = new ArrayList<>();
            for (int run = 0; run < 3; run++) {
                ExecutorService pool = Executors.newFixedThreadPool(2);
                Stage1Dataset ds = Stage1Dataset.builder().records(recs).sampleBuilder(sb)
                        .setSampling(Stage1Dataset.sampling(2, true, run < 2 ? 7 : 8, false)).optPrefetchNumber(2).build();
                List<String> order = new ArrayList<>();
                for (Batch b : ds.getData(m, pool)) {
                    NDArray ids = b.getData().get(2);
                    NDArray meta = b.getData().get(3);
                    NDArray labels = b.getLabels().get(0);
                    int size = (int) ids.getShape().get(0);
                    assertEquals(1 + size, b.getLabels().size(), "labels + one mask array per sample");
                    long max = ids.getShape().get(1);
                    for (int i = 0; i < size; i++) {
                        long len = meta.get(i).getLong(0);
                        long[] row = ids.get(i).toLongArray();
                        long[] lab = labels.get(i).toLongArray();
                        for (long j = len; j < max; j++) {
                            assertEquals(0, row[(int) j], "ids are padded with 0");
                            assertEquals(-100, lab[(int) j], "labels are padded with -100");
                        }
                        NDArray masks = b.getLabels().get(1 + i);
                        long segs = java.util.Arrays.stream(row).filter(t -> t == tok.tokenId("[SEG]")).count();
                        assertEquals(segs, masks.getShape().get(0), "one mask per [SEG]");
                        assertEquals(meta.get(i).getLong(3), masks.getShape().get(1));
                        order.add(Long.toString(meta.get(i).getLong(4)));
                    }
                    b.close();
                }
                pool.shutdownNow();
                orders.add(order);
                assertEquals(5, order.size());
            }
            assertEquals(orders.get(0), orders.get(1), "same seed, same order");
            assertNotEquals(orders.get(0), orders.get(2), "other seed, other order");
            assertArrayEquals(SeededShuffleSampler.permutation(5, 7, 0), SeededShuffleSampler.permutation(5, 7, 0));
        }
    }
}
