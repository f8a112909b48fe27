package ai.legion.data.raster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.report.BinaryMask;
import ai.legion.data.DatasetException;
import ai.legion.data.Ref;
import ai.legion.data.Region;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MaskRasterizerTest {

    @TempDir
    Path tmp;

    private static String picture(BinaryMask m) {
        StringBuilder sb = new StringBuilder();
        for (int y = 0; y < m.height(); y++) {
            for (int x = 0; x < m.width(); x++) {
                sb.append(m.get(x, y) ? '#' : '.');
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private static String rows(String... rows) {
        return String.join("\n", rows) + "\n";
    }

    @Test
    void evaluationPointsCastToFloat32ThenTruncate() {
        // 2.99999999 rounds to 3.0f before the cast; negatives truncate toward zero; odd tail dropped
        assertArrayEquals(new int[] {3, 2, -1, 0}, MaskRasterizer.evaluationPoints(new double[] {2.99999999, 2.9, -1.5, -0.5, 7}));
        assertArrayEquals(new int[] {16777216, 0}, MaskRasterizer.evaluationPoints(new double[] {16777217.0, 0.2}));
    }

    @Test
    void evaluationBoxIsTheInclusiveClampedRectangle() {
        // (int(1.7), int(0.2)) - (int(1.7 + 2.5), int(0.2 + 1.9)) = (1, 0) - (4, 2)
        Region.Box box = new Region.Box(1.7, 0.2, 2.5, 1.9);
        assertArrayEquals(new int[] {1, 0, 4, 2}, MaskRasterizer.evaluationBoxCorners(box, 5, 6));
        assertEquals(rows(".####.", ".####.", ".####.", "......", "......"),
                picture(MaskRasterizer.evaluation().box(box, 5, 6)));
        // clamped to [0, W-1] x [0, H-1]
        Region.Box big = new Region.Box(-3, -3, 100, 100);
        assertArrayEquals(new int[] {0, 0, 5, 4}, MaskRasterizer.evaluationBoxCorners(big, 5, 6));
        assertEquals(BinaryMask.full(5, 6), MaskRasterizer.evaluation().box(big, 5, 6));
        // entirely left of the image: x1 clamps to 0, x2 = -5, rectangle() spans 0..-5 -> column 0 (upstream quirk)
        Region.Box left = new Region.Box(-10, 1, 5, 2);
        assertEquals(rows("......", "#.....", "#.....", "#.....", "......"),
                picture(MaskRasterizer.evaluation().box(left, 5, 6)));
    }

    @Test
    void trainingBoxIsPycocotoolsFrBbox() {
        // frBbox(1, 1, 2, 2) is the square (1,1)-(3,3): the 2x2 pixels whose centers are inside
        assertEquals(rows(".....", ".##..", ".##..", ".....", "....."),
                picture(MaskRasterizer.training().box(new Region.Box(1, 1, 2, 2), 5, 5)));
    }

    @Test
    void polygonSemanticsDifferAtTheBoundary() {
        List<double[]> square = List.of(new double[] {1, 1, 3, 1, 3, 3, 1, 3});
        // fillPoly draws the outline (x, y in 1..3), pycocotools the pixels whose centers are inside
        assertEquals(rows(".....", ".###.", ".###.", ".###.", "....."),
                picture(MaskRasterizer.evaluation().polygons(square, 5, 5)));
        assertEquals(rows(".....", ".##..", ".##..", ".....", "....."),
                picture(MaskRasterizer.training().polygons(square, 5, 5)));
    }

    @Test
    void rasterizeDispatchesOnTheRegionAndUnionsRefs() throws DatasetException {
        MaskRasterizer eval = MaskRasterizer.evaluation();
        assertTrue(eval.rasterize(new Region.None(), 3, 3).isEmpty());
        Region poly = new Region.Polygons(List.of(new double[] {0, 0, 1, 0, 1, 1, 0, 1}));
        Region box = new Region.Box(3, 3, 1, 1);
        assertEquals(rows("##...", "##...", ".....", "...##", "...##"), picture(eval.rasterize(poly, 5, 5)
                .or(eval.rasterize(box, 5, 5))));
        List<Ref> refs = List.of(new Ref("a", "", poly), new Ref("b", "", box), new Ref("c", "", new Region.None()));
        assertEquals(eval.rasterize(poly, 5, 5).or(eval.rasterize(box, 5, 5)), eval.unionOfRefs(refs, 5, 5));
        assertTrue(eval.union(List.of(), 2, 2).isEmpty());
        assertThrows(IllegalArgumentException.class, () -> eval.rasterize(poly, 0, 5));
    }

    @Test
    void heatmapThresholdsGrayValuesAndResizesNearest() throws Exception {
        BufferedImage gray = new BufferedImage(4, 2, BufferedImage.TYPE_BYTE_GRAY);
        int[] values = {0, 10, 200, 255, 5, 0, 128, 1};
        gray.getRaster().setPixels(0, 0, 4, 2, values);
        Path file = tmp.resolve("heat.png");
        ImageIO.write(gray, "png", file.toFile());

        BinaryMask any = MaskRasterizer.heatmap(new Region.Heatmap(file, 0), 2, 4);
        assertEquals(rows(".###", "#.##"), picture(any));
        BinaryMask strong = MaskRasterizer.heatmap(new Region.Heatmap(file, 127), 2, 4);
        assertEquals(rows("..##", "..#."), picture(strong));
        // 2x4 -> 4x8: cv2 INTER_NEAREST repeats each source pixel twice in both directions
        BinaryMask up = MaskRasterizer.evaluation().rasterize(new Region.Heatmap(file, 127), 4, 8);
        assertEquals(rows("....####", "....####", "....##..", "....##.."), picture(up));
        // 2x4 -> 1x2: source index floor(i * 2) -> pixels (0,0) and (2,0)
        assertEquals(rows(".#"), picture(MaskRasterizer.heatmap(new Region.Heatmap(file, 127), 1, 2)));
    }

    @Test
    void colorHeatmapUsesOpenCvGrayWeights() throws Exception {
        BufferedImage rgb = new BufferedImage(2, 1, BufferedImage.TYPE_INT_RGB);
        rgb.setRGB(0, 0, 0x0000FF); // pure blue: (1868 * 255 + 8192) >> 14 = 29
        rgb.setRGB(1, 0, 0x00FF00); // pure green: 150
        Path file = tmp.resolve("rgb.png");
        ImageIO.write(rgb, "png", file.toFile());
        assertEquals(rows("##"), picture(MaskRasterizer.heatmap(new Region.Heatmap(file, 28), 1, 2)));
        assertEquals(rows(".#"), picture(MaskRasterizer.heatmap(new Region.Heatmap(file, 29), 1, 2)));
        assertEquals(rows(".."), picture(MaskRasterizer.heatmap(new Region.Heatmap(file, 150), 1, 2)));
    }

    @Test
    void unreadableHeatmapNamesTheFile() throws Exception {
        Path bad = tmp.resolve("not-an-image.png");
        Files.writeString(bad, "hello");
        DatasetException e = assertThrows(DatasetException.class,
                () -> MaskRasterizer.heatmap(new Region.Heatmap(bad, 0), 2, 2));
        assertTrue(e.getMessage().contains("not-an-image.png"), e.getMessage());
        Path missing = tmp.resolve("missing.png");
        e = assertThrows(DatasetException.class, () -> MaskRasterizer.heatmap(new Region.Heatmap(missing, 0), 2, 2));
        assertEquals(missing, e.file());
    }
}
