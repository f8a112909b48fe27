package ai.legion.data.raster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.report.BinaryMask;
import ai.legion.core.report.CocoRle;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * pycocotools {@code rleFrPoly} on small polygons, with expected runs derived by hand from the algorithm
 * (upsample by 5 with {@code (int)(5v + .5)}, walk the edges, keep column changes at {@code xd = 5n + 2},
 * row {@code ceil((v + .5)/5 - .5)}, toggles at {@code x*h + y}).
 */
class CocoPolygonsTest {

    /** Row-major picture of a mask: '#' set, '.' not. */
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

    private static BinaryMask training(int h, int w, double... xy) {
        return MaskRasterizer.training().polygons(List.of(xy), h, w);
    }

    @Test
    void squareCoversTheFourPixelsWhoseCentersAreInside() {
        // upsampled (5,5) (15,15); column changes at xd=7,12 -> x=1,2; rows ceil(0.6)=1 and ceil(2.6)=3
        // toggles 1*5+1=6, 1*5+3=8, 2*5+1=11, 2*5+3=13 -> runs [6, 2, 3, 2, 12]
        CocoRle rle = CocoPolygons.rle(new double[] {1, 1, 3, 1, 3, 3, 1, 3}, 5, 5);
        assertArrayEquals(new int[] {6, 2, 3, 2, 12}, rle.counts());
        assertEquals(".....\n.##..\n.##..\n.....\n.....\n", picture(rle.decode()));
        assertEquals(rle.decode(), training(5, 5, 1, 1, 3, 1, 3, 3, 1, 3));
    }

    @Test
    void triangleExcludesPixelsWhoseCenterIsOnTheHypotenuse() {
        // top edge: x=0..3 at row 0; hypotenuse (walked flipped, s=-1): crossings (3,0),(2,1),(1,2),(0,3);
        // sorted toggles 0,3,5,7,10,11,15,15,25 -> diffs 0,3,2,2,3,1,4,0,10 -> the 0 merges: [0,3,2,2,3,1,14]
        CocoRle rle = CocoPolygons.rle(new double[] {0, 0, 4, 0, 0, 4}, 5, 5);
        assertArrayEquals(new int[] {0, 3, 2, 2, 3, 1, 14}, rle.counts());
        assertEquals("###..\n##...\n#....\n.....\n.....\n", picture(rle.decode()));
    }

    @Test
    void polygonOnTheImageBorderCoversTheWholeImage() {
        // crossings (0..3, 0) and (0..3, 4) (row clamped to h=4); every run but the first cancels: [0, 16]
        CocoRle rle = CocoPolygons.rle(new double[] {0, 0, 4, 0, 4, 4, 0, 4}, 4, 4);
        assertArrayEquals(new int[] {0, 16}, rle.counts());
        assertEquals(BinaryMask.full(4, 4), rle.decode());
    }

    @Test
    void coordinatesBeyondTheBorderAreClipped() {
        // y=-2 upsamples to (int)(-9.5) = -9 (truncation toward zero); x crossings 4 and 5 are > w-1 and
        // dropped; rows: ceil(max(0, -2.2)) = 0 and ceil(1.6) = 2 -> toggles 8, 10, 12, 14 -> [8, 2, 2, 2, 2]
        CocoRle rle = CocoPolygons.rle(new double[] {2, -2, 6, -2, 6, 2, 2, 2}, 4, 4);
        assertArrayEquals(new int[] {8, 2, 2, 2, 2}, rle.counts());
        assertEquals("..##\n..##\n....\n....\n", picture(rle.decode()));
        // far beyond every side: the whole image
        assertEquals(BinaryMask.full(3, 4), training(3, 4, -10, -10, 50, -10, 50, 50, -10, 50));
        // entirely outside: nothing
        assertTrue(training(4, 4, 10, 10, 20, 10, 20, 20).isEmpty());
    }

    @Test
    void twoPointPolygonCoversNothing() {
        // the walk goes (3,3)->(18,13) and back; the flip makes the way back produce the same points, so every
        // crossing appears twice and all runs cancel: [h*w]
        CocoRle rle = CocoPolygons.rle(new double[] {0.5, 0.5, 3.5, 2.5}, 5, 5);
        assertArrayEquals(new int[] {25}, rle.counts());
        assertTrue(training(5, 5, 0.5, 0.5, 3.5, 2.5).isEmpty());
    }

    @Test
    void collinearPolygonCoversNothing() {
        // (0,0)->(10,10)->(20,20) and back along the same diagonal: crossings cancel pairwise
        assertArrayEquals(new int[] {25}, CocoPolygons.rle(new double[] {0, 0, 2, 2, 4, 4}, 5, 5).counts());
    }

    @Test
    void emptyAndSinglePointPolygonsCoverNothing() {
        assertArrayEquals(new int[] {12}, CocoPolygons.rle(new double[0], 3, 4).counts());
        assertArrayEquals(new int[] {12}, CocoPolygons.rle(new double[] {1.5, 1.5}, 3, 4).counts());
        // a repeated vertex (0/0 slope) changes nothing
        assertEquals(training(5, 5, 1, 1, 3, 1, 3, 3, 1, 3), training(5, 5, 1, 1, 3, 1, 3, 1, 3, 3, 1, 3));
    }

    @Test
    void oddTrailingCoordinateIsIgnoredLikeIntLenOverTwo() {
        assertEquals(training(5, 5, 1, 1, 3, 1, 3, 3, 1, 3), training(5, 5, 1, 1, 3, 1, 3, 3, 1, 3, 4));
    }

    @Test
    void boxGoesThroughTheSamePolygonPath() {
        CocoRle box = CocoPolygons.boxRle(1, 1, 2, 2, 5, 5);
        assertArrayEquals(new int[] {6, 2, 3, 2, 12}, box.counts());
    }

    @Test
    void trainingSumAddsOverlapsAndWrapsLikeUint8() {
        double[] square = {1, 1, 3, 1, 3, 3, 1, 3};
        double[] wide = {0, 1, 3, 1, 3, 2, 0, 2};
        SummedMask sum = MaskRasterizer.trainingSum(List.of(square, wide), 5, 5);
        // wide covers row 1, x = 0..2; square covers (1..2, 1..2)
        assertEquals(1, sum.get(0, 1));
        assertEquals(2, sum.get(1, 1));
        assertEquals(2, sum.get(2, 1));
        assertEquals(1, sum.get(1, 2));
        assertEquals(0, sum.get(3, 3));
        assertEquals(2, sum.max());
        assertEquals(MaskRasterizer.training().polygons(List.of(square, wide), 5, 5), sum.binary());

        List<double[]> many = new ArrayList<>(Collections.nCopies(256, square));
        SummedMask wrapped = MaskRasterizer.trainingSum(many, 5, 5);
        assertEquals(0, wrapped.get(1, 1), "256 covers wrap to 0 in uint8, as numpy does");
        // the binary rasterizer does not lose such pixels
        assertEquals(4, MaskRasterizer.training().polygons(many, 5, 5).area());
    }

    @Test
    void rejectsBadSizes() {
        assertThrows(IllegalArgumentException.class, () -> CocoPolygons.rle(new double[] {0, 0, 1, 0, 1, 1}, 0, 4));
        assertThrows(IllegalArgumentException.class,
                () -> CocoPolygons.rle(new double[] {0, 0, 1e9, 0, 1e9, 1e9}, 4, 4));
    }
}
