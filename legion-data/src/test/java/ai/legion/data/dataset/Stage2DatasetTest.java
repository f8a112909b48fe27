package ai.legion.data.dataset;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.Batch;
import ai.legion.core.config.ClipImageProcessorConfig;
import ai.legion.core.image.ClipImageProcessor;
import ai.legion.core.image.ImageLoader;
import ai.legion.data.ArtifactRecord;
import ai.legion.data.Authenticity;
import ai.legion.data.folder.DetectionFolderReader;
import ai.legion.data.sample.ClassIndex;
import ai.legion.data.sample.Stage2SampleBuilder;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Stage2DatasetTest {

    @TempDir
    Path tmp;

    @Test
    void labelsFollowTheConfiguredConventionThroughTheFolderReader() throws Exception {
        for (String cls : List.of("0_real", "1_fake")) {
            Path dir = Files.createDirectories(tmp.resolve("gen").resolve(cls));
            for (int i = 0; i < 3; i++) {
                ImageIO.write(new BufferedImage(10, 12, BufferedImage.TYPE_INT_RGB), "png", dir.resolve(i + ".png").toFile());
            }
        }
        List<ArtifactRecord> records = new ArrayList<>();
        try (DetectionFolderReader reader = new DetectionFolderReader(tmp)) {
            reader.forEach(records::add);
        }
        assertEquals(6, records.size());
        for (ClassIndex convention : ClassIndex.values()) {
            Stage2Dataset ds = Stage2Dataset.builder().records(records)
                    .sampleBuilder(new Stage2SampleBuilder(new ClipImageProcessor(ClipImageProcessorConfig.square(14)),
                            new ImageLoader(), convention, null))
                    .setSampling(6, false).build();
            try (NDManager m = NDManager.newBaseManager()) {
                for (Batch b : ds.getData(m)) {
                    long[] labels = b.getLabels().head().toLongArray();
                    long[] expected = records.stream().mapToLong(r -> convention.of(r.authenticity())).toArray();
                    assertArrayEquals(expected, labels);
                    assertArrayEquals(new long[] {6, 3, 14, 14}, b.getData().head().getShape().getShape());
                    b.close();
                }
            }
        }
        assertEquals(1, ClassIndex.LEGION.of(Authenticity.REAL));
        assertEquals(0, ClassIndex.UNIFD.of(Authenticity.REAL));
        assertThrows(IllegalArgumentException.class, () -> ClassIndex.LEGION.of(Authenticity.UNKNOWN));
    }
}
