package ai.legion.data.raster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.report.BinaryMask;
import ai.legion.core.report.MaskImages;
import ai.legion.testing.Fixtures;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The evaluation rasterizer against upstream's own {@code generate_mask} output ({@code metrics/masks/<id>_gt.png}
 * of the fixture root): all polygons of all refs of the case's record, at the case's size, pixel for pixel.
 */
class MaskRasterizerFixtureTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private record Case(String id, int height, int width, Path gtMask, long gtPixels, List<double[]> polygons) {}

    private static List<Case> cases;

    @BeforeAll
    static void load() throws Exception {
        Path dir = Fixtures.path("metrics");
        JsonNode expected = JSON.readTree(dir.resolve("expected.json").toFile());
        JsonNode annotations = JSON.readTree(dir.resolve("annotations.json").toFile());
        Map<String, JsonNode> records = new HashMap<>();
        for (JsonNode item : annotations) {
            item.fields().forEachRemaining(e -> records.putIfAbsent(e.getKey(), e.getValue()));
        }
        cases = new ArrayList<>();
        for (JsonNode c : expected.get("cases")) {
            String id = c.get("annotation_id").asText();
            JsonNode record = records.get(id);
            assertNotNull(record, "annotations.json has no record " + id);
            List<double[]> polygons = new ArrayList<>();
            for (JsonNode ref : record.get("refs")) {
                for (JsonNode seg : ref.get("segmentation")) {
                    double[] p = new double[seg.size()];
                    for (int i = 0; i < p.length; i++) {
                        p[i] = seg.get(i).asDouble();
                    }
                    polygons.add(p);
                }
            }
            cases.add(new Case(id, c.get("height").asInt(), c.get("width").asInt(),
                    dir.resolve(c.get("gt_mask").asText()), c.get("gt_foreground_pixels").asLong(), polygons));
        }
        assertFalse(cases.isEmpty(), "expected.json lists no case");
    }

    private static int differences(BinaryMask a, BinaryMask b) {
        return a.unionArea(b) - a.intersectionArea(b);
    }

    @Test
    void evaluationRasterizerReproducesUpstreamGroundTruthPixelForPixel() throws Exception {
        StringBuilder log = new StringBuilder();
        int total = 0;
        for (Case c : cases) {
            BinaryMask gt = MaskImages.read(c.gtMask());
            assertEquals(c.height(), gt.height(), c.id() + " mask height");
            assertEquals(c.width(), gt.width(), c.id() + " mask width");
            assertEquals(c.gtPixels(), gt.area(), c.id() + " gt_foreground_pixels");
            BinaryMask ours = MaskRasterizer.evaluation().polygons(c.polygons(), c.height(), c.width());
            int diff = differences(ours, gt);
            total += diff;
            log.append(String.format("  %s %dx%d: %d gt pixels, %d differences%n", c.id(), c.width(), c.height(),
                    gt.area(), diff));
        }
        System.out.println("fillPoly vs upstream generate_mask (" + cases.size() + " cases):\n" + log);
        assertEquals(0, total, "pixels differing from upstream's ground truth:\n" + log);
    }

    @Test
    void trainingAndEvaluationRasterizersAgreeOnMostPixels() {
        StringBuilder log = new StringBuilder();
        long inter = 0;
        long union = 0;
        for (Case c : cases) {
            BinaryMask eval = MaskRasterizer.evaluation().polygons(c.polygons(), c.height(), c.width());
            BinaryMask train = MaskRasterizer.training().polygons(c.polygons(), c.height(), c.width());
            inter += train.intersectionArea(eval);
            union += train.unionArea(eval);
            log.append(String.format("  %s: train %d px, eval %d px, %d differ, IoU %.4f%n", c.id(), train.area(),
                    eval.area(), differences(train, eval), train.iou(eval)));
            // They differ only near the polygon edges: fillPoly sets every boundary pixel of the truncated points,
            // pycocotools the pixels whose centers are inside. (Checked for polygons inside the image: there the
            // OpenCV versions agree; OpenCV's clipping can move fills further from a polygon leaving the image.)
            if (c.polygons().stream().allMatch(p -> inside(p, c.height(), c.width()))) {
                BinaryMask band = nearEdges(c.polygons(), c.height(), c.width(), 2.5);
                BinaryMask diff = train.or(eval).andNot(train.and(eval));
                assertEquals(0, diff.andNot(band).area(), c.id() + ": pixels differing away from the polygon edges");
            }
        }
        double iou = (double) inter / union;
        System.out.printf("pycocotools vs fillPoly on the fixture polygons (IoU over all cases %.4f):%n%s", iou, log);
        assertTrue(iou > 0.9, "IoU " + iou);
    }

    private static boolean inside(double[] p, int h, int w) {
        for (int i = 0; i + 1 < p.length; i += 2) {
            if (p[i] < 0 || p[i + 1] < 0 || p[i] >= w || p[i + 1] >= h) {
                return false;
            }
        }
        return true;
    }

    /** Pixels whose center lies within {@code r} of an edge of one of the closed polygons. */
    private static BinaryMask nearEdges(List<double[]> polygons, int h, int w, double r) {
        boolean[] out = new boolean[h * w];
        for (double[] p : polygons) {
            int n = p.length / 2;
            for (int i = 0; i < n; i++) {
                double ax = p[2 * i];
                double ay = p[2 * i + 1];
                double bx = p[2 * ((i + 1) % n)];
                double by = p[2 * ((i + 1) % n) + 1];
                int x0 = Math.max(0, (int) Math.floor(Math.min(ax, bx) - r - 1));
                int x1 = Math.min(w - 1, (int) Math.ceil(Math.max(ax, bx) + r));
                int y0 = Math.max(0, (int) Math.floor(Math.min(ay, by) - r - 1));
                int y1 = Math.min(h - 1, (int) Math.ceil(Math.max(ay, by) + r));
                double dx = bx - ax;
                double dy = by - ay;
                double len2 = dx * dx + dy * dy;
                for (int y = y0; y <= y1; y++) {
                    for (int x = x0; x <= x1; x++) {
                        double cx = x + 0.5;
                        double cy = y + 0.5;
                        double t = len2 == 0 ? 0 : Math.max(0, Math.min(1, ((cx - ax) * dx + (cy - ay) * dy) / len2));
                        double ex = ax + t * dx - cx;
                        double ey = ay + t * dy - cy;
                        if (ex * ex + ey * ey <= r * r) {
                            out[y * w + x] = true;
                        }
                    }
                }
            }
        }
        return BinaryMask.fromBooleans(out, h, w);
    }
}
