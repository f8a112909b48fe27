package ai.legion.data.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.report.BinaryMask;
import java.util.List;
import org.junit.jupiter.api.Test;

class PolygonRasterTest {

    @Test
    void axisAlignedSquareCoversPixelCentresInside() {
        // [2, 6) x [2, 6): centres 2.5..5.5 inside -> 4 x 4 pixels
        BinaryMask m = PolygonRaster.mask(List.<double[]>of(new double[] {2, 2, 6, 2, 6, 6, 2, 6}), 10, 10);
        assertEquals(16, m.area());
        assertTrue(m.get(2, 2));
        assertTrue(m.get(5, 5));
        assertFalse(m.get(6, 5));
        assertFalse(m.get(1, 2));
    }

    @Test
    void adjacentPolygonsShareNoPixel() {
        double[] left = {0, 0, 5.3, 0, 5.3, 10, 0, 10};
        double[] right = {5.3, 0, 10, 0, 10, 10, 5.3, 10};
        BinaryMask a = PolygonRaster.mask(List.of(left), 10, 10);
        BinaryMask b = PolygonRaster.mask(List.of(right), 10, 10);
        assertEquals(0, a.intersectionArea(b));
        assertEquals(100, a.unionArea(b));
    }

    @Test
    void areaOfLargeShapesMatchesGeometry() {
        double[] circle = Geom.ellipse(100, 100, 60, 40, 720);
        BinaryMask m = PolygonRaster.mask(List.of(circle), 200, 200);
        assertEquals(Math.PI * 60 * 40, m.area(), 0.01 * Math.PI * 60 * 40);
        double[] tri = {10, 10, 190, 10, 10, 190};
        assertEquals(180 * 180 / 2.0, PolygonRaster.mask(List.of(tri), 200, 200).area(), 200);
    }

    @Test
    void evenOddRuleAndConcaveShapes() {
        // a U shape: the notch [4, 6) x [0, 6) stays empty
        double[] u = {0, 0, 4, 0, 4, 6, 6, 6, 6, 0, 10, 0, 10, 10, 0, 10};
        BinaryMask m = PolygonRaster.mask(List.of(u), 10, 10);
        assertFalse(m.get(5, 3));
        assertTrue(m.get(3, 3));
        assertTrue(m.get(5, 8));
        assertEquals(100 - 12, m.area());
        // a self-overlapping star (pentagram) leaves its centre empty under even-odd
        double[] star = new double[10];
        for (int i = 0; i < 5; i++) {
            double a = -Math.PI / 2 + i * 4 * Math.PI / 5;
            star[2 * i] = 50 + 45 * Math.cos(a);
            star[2 * i + 1] = 50 + 45 * Math.sin(a);
        }
        assertFalse(PolygonRaster.mask(List.of(star), 100, 100).get(50, 50));
    }

    @Test
    void clipsToTheImageAndRejectsBadPolygons() {
        BinaryMask m = PolygonRaster.mask(List.<double[]>of(new double[] {-5, -5, 20, -5, 20, 20, -5, 20}), 8, 6);
        assertEquals(48, m.area());
        assertThrows(IllegalArgumentException.class, () -> PolygonRaster.mask(List.of(new double[] {0, 0, 1, 1}), 4, 4));
        assertThrows(IllegalArgumentException.class, () -> PolygonRaster.mask(List.of(new double[] {0, 0, 1, 1, 2}), 4, 4));
        assertThrows(IllegalArgumentException.class,
                () -> PolygonRaster.mask(List.of(new double[] {0, 0, Double.NaN, 1, 2, 2}), 4, 4));
    }

    @Test
    void perImageMiouFollowsTheUpstreamFormula() {
        BinaryMask gt = PolygonRaster.mask(List.<double[]>of(new double[] {0, 0, 5, 0, 5, 4, 0, 4}), 10, 10); // 20 px
        assertEquals(1.0, PolygonRaster.perImageMiou(gt, gt), 1e-6);
        // empty: bg IoU = 80/100, fg IoU = 0
        assertEquals((80 / (100 + 1e-6)) / 2, PolygonRaster.perImageMiou(BinaryMask.empty(10, 10), gt), 1e-12);
        // full: bg IoU = 0, fg IoU = 20/100
        assertEquals((20 / (100 + 1e-6)) / 2, PolygonRaster.perImageMiou(BinaryMask.full(10, 10), gt), 1e-12);
        // empty vs empty: bg 1, fg 0/(0+eps) = 0, as upstream
        assertEquals(100 / (100 + 1e-6) / 2, PolygonRaster.perImageMiou(BinaryMask.empty(10, 10), BinaryMask.empty(10, 10)),
                1e-12);
        assertThrows(IllegalArgumentException.class, () -> PolygonRaster.perImageMiou(BinaryMask.empty(4, 5), gt));
    }
}
