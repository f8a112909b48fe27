package ai.legion.data.raster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * OpenCV {@code fillPoly}/{@code rectangle} ports against pictures drawn by OpenCV 4.6.0's {@code cv2.fillPoly}
 * (polygons inside the image, where every OpenCV 4.x version but 4.8-4.10 agrees) and, for a polygon leaving
 * the image, against the current source traced by hand.
 */
class OpenCvFillTest {

    private static String fill(int h, int w, OpenCvFill.Version version, int... xy) {
        byte[] img = new byte[h * w];
        OpenCvFill.fillPoly(img, h, w, xy, (byte) 1, version);
        return picture(img, h, w);
    }

    private static String fill(int h, int w, int... xy) {
        return fill(h, w, OpenCvFill.Version.CURRENT, xy);
    }

    private static String picture(byte[] img, int h, int w) {
        StringBuilder sb = new StringBuilder();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                sb.append(img[y * w + x] != 0 ? '#' : '.');
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private static String rows(String... rows) {
        return String.join("\n", rows) + "\n";
    }

    @Test
    void triangleIncludesItsBoundary() {
        assertEquals(rows("#####.", "####..", "###...", "##....", "#.....", "......"), fill(6, 6, 0, 0, 4, 0, 0, 4));
    }

    @Test
    void selfIntersectingBowTieFillsBothLobes() {
        assertEquals(rows("#....#.", "##..##.", "######.", "##..##.", "#....#.", "......."),
                fill(6, 7, 0, 0, 5, 4, 5, 0, 0, 4));
    }

    @Test
    void concavePolygon() {
        assertEquals(rows("#######", "#######", "#######", "###.###", "##..###", "##...##", "#.....#"),
                fill(7, 7, 0, 0, 6, 0, 6, 6, 3, 2, 0, 6));
    }

    @Test
    void degeneratePolygonsDrawTheirOutline() {
        assertEquals(rows(".....", ".#...", "..#..", "...#.", "....."), fill(5, 5, 1, 1, 3, 3));
        assertEquals(rows(".....", ".....", "..#..", ".....", "....."), fill(5, 5, 2, 2));
        assertEquals(rows(".....", ".....", ".....", ".....", "....."), fill(5, 5));
    }

    @Test
    void versionsAgreeInsideTheImage() {
        int[][] polys = {{0, 0, 4, 0, 0, 4}, {0, 0, 5, 4, 5, 0, 0, 4}, {0, 0, 6, 0, 6, 6, 3, 2, 0, 6}, {1, 5, 3, 0, 5, 5}};
        for (int[] p : polys) {
            assertEquals(fill(7, 7, OpenCvFill.Version.BEFORE_4_8, p), fill(7, 7, OpenCvFill.Version.CURRENT, p));
        }
    }

    @Test
    void polygonLeavingTheImageBefore48MatchesOpenCv46() {
        assertEquals(rows("....", "....", "....", "....", "....", "#..."),
                fill(6, 4, OpenCvFill.Version.BEFORE_4_8, -4, 1, 0, 5, -1, 7));
        assertEquals(rows("..##", "..#.", "...#", "....", "....", "...."),
                fill(6, 4, OpenCvFill.Version.BEFORE_4_8, 1, -3, 5, 2, 7, 8));
    }

    @Test
    void polygonLeavingTheImageCurrentUsesClippedEdges() {
        // edge (-4,1)->(0,5): clipLine moves (-4,1) to (0,5), a horizontal segment, so the edge keeps its rows
        // 1..5 but takes x = 0 from the clipped points: a vertical edge at x=0. The edge (-1,7)->(-4,1) is
        // rejected by clipLine (both ends left of the image) and stays at x = -4..-1. Rows 1..4 fill from
        // ceil(-4 + ...) to floor(0) = column 0; row 5 is the outline pixel (0,5).
        assertEquals(rows("....", "#...", "#...", "#...", "#...", "#..."),
                fill(6, 4, OpenCvFill.Version.CURRENT, -4, 1, 0, 5, -1, 7));
    }

    @Test
    void rectangleFillsTheInclusiveSpanBetweenCornersClippedToTheImage() {
        byte[] img = new byte[6 * 8];
        OpenCvFill.fillRectangle(img, 6, 8, 2, 1, -3, 3, (byte) 1);
        // cv2.rectangle(m, (2, 1), (-3, 3), 1, thickness=-1) on a 6x8 image (OpenCV 4.6.0)
        assertEquals(rows("........", "###.....", "###.....", "###.....", "........", "........"), picture(img, 6, 8));
        byte[] single = new byte[4 * 4];
        OpenCvFill.fillRectangle(single, 4, 4, 3, 3, 3, 3, (byte) 1);
        assertEquals(rows("....", "....", "....", "...#"), picture(single, 4, 4));
    }
}
