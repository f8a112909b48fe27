package ai.legion.data.raster;

import ai.legion.core.report.BinaryMask;
import ai.legion.data.ArtifactRecord;
import ai.legion.data.DatasetException;
import ai.legion.data.Ref;
import ai.legion.data.Region;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import javax.imageio.ImageIO;

/**
 * Turns a {@link Region} into a {@link BinaryMask} of a given {@code height x width}, the way upstream
 * LEGION draws ground truth. Polygons have two semantics, because upstream uses two different rasterizers:
 *
 * <ul>
 *   <li>{@link Semantics#TRAINING} — the data loader ({@code LegionGCGDataset._parse_annotations}): each
 *       polygon through pycocotools {@code frPyObjects([seg], h, w)} + {@code decode} ({@link CocoPolygons}),
 *       added as uint8 (a sum, see {@link #trainingSum}); a pixel is set when its center is inside.
 *       Boxes go through pycocotools' {@code frBbox} (the box as a 4-point polygon).</li>
 *   <li>{@link Semantics#EVALUATION} — {@code eval/utils.py generate_mask}: each polygon's points cast to
 *       float32 and then truncated to int32 ({@code np.array(seg, dtype=np.float32).reshape(-1, 2)
 *       .astype(np.int32)}), then {@code cv2.fillPoly(mask, [points], 1)} ({@link OpenCvFill},
 *       {@link OpenCvFill.Version#CURRENT}; boundary pixels included); boxes as {@code generate_loki_mask}: corners {@code (int(x), int(y))} and
 *       {@code (int(x+w), int(y+h))}, each clamped to the image, filled inclusively with
 *       {@code cv2.rectangle(thickness=-1)}.</li>
 * </ul>
 * Both semantics treat a {@link Region.Heatmap} alike: the grayscale image thresholded at
 * {@code value > threshold}, resized to {@code h x w} with OpenCV {@code INTER_NEAREST} when its size
 * differs; a {@link Region.None} is empty.
 *
 * <p>Departures where upstream cannot run: a polygon with an odd number of coordinates drops the last one
 * (upstream's {@code reshape(-1, 2)} raises); a polygon of at most 2 points goes through the same algorithm
 * (pycocotools' {@code frPyObjects} rejects fewer than 5 numbers, routing exactly 4 to {@code frBbox},
 * which does not accept a list), where it covers nothing in training and the drawn segment in evaluation.
 * Coordinates beyond the int32 range saturate (numpy's cast is undefined there). Instances are immutable
 * and thread-safe.
 */
public final class MaskRasterizer {

    /** Which upstream rasterizer polygons and boxes follow. */
    public enum Semantics {
        /** pycocotools polygon rasterization (the training loader). */
        TRAINING,
        /** OpenCV {@code fillPoly} of int32-truncated points (the evaluation scripts). */
        EVALUATION
    }

    private static final MaskRasterizer TRAINING_INSTANCE = new MaskRasterizer(Semantics.TRAINING);
    private static final MaskRasterizer EVALUATION_INSTANCE = new MaskRasterizer(Semantics.EVALUATION);

    private final Semantics semantics;

    /** A rasterizer with the given polygon semantics. */
    public MaskRasterizer(Semantics semantics) {
        this.semantics = Objects.requireNonNull(semantics, "semantics");
    }

    /** The training-loader semantics (pycocotools). */
    public static MaskRasterizer training() {
        return TRAINING_INSTANCE;
    }

    /** The evaluation semantics (OpenCV {@code fillPoly} / {@code rectangle}); the default for metrics. */
    public static MaskRasterizer evaluation() {
        return EVALUATION_INSTANCE;
    }

    /** The polygon semantics. */
    public Semantics semantics() {
        return semantics;
    }

    /**
     * The region's pixels in an {@code height x width} mask.
     *
     * @throws DatasetException when a heatmap file cannot be read
     */
    public BinaryMask rasterize(Region region, int height, int width) throws DatasetException {
        Objects.requireNonNull(region, "region");
        checkedArea(height, width);
        if (region instanceof Region.Polygons p) {
            return polygons(p.polygons(), height, width);
        } else if (region instanceof Region.Box b) {
            return box(b, height, width);
        } else if (region instanceof Region.Heatmap hm) {
            return heatmap(hm, height, width);
        }
        return BinaryMask.empty(height, width);
    }

    /** The union of the regions (empty when there are none). */
    public BinaryMask union(Collection<? extends Region> regions, int height, int width) throws DatasetException {
        byte[] acc = new byte[checkedArea(height, width)];
        for (Region r : regions) {
            Objects.requireNonNull(r, "region");
            if (r instanceof Region.Polygons p) {
                drawPolygons(p.polygons(), height, width, acc);
            } else if (r instanceof Region.Box b) {
                drawBox(b, height, width, acc);
            } else if (r instanceof Region.Heatmap hm) {
                orInto(heatmap(hm, height, width), acc);
            }
            // Region.None draws nothing
        }
        return BinaryMask.fromBytes(acc, height, width);
    }

    /**
     * The union of the refs' regions: with {@link #evaluation()} semantics this is upstream's
     * {@code generate_mask} (all polygons of all refs into one mask) and {@code generate_loki_mask}.
     */
    public BinaryMask unionOfRefs(List<Ref> refs, int height, int width) throws DatasetException {
        return union(refs.stream().map(Ref::region).toList(), height, width);
    }

    /**
     * The evaluation ground truth of a record whose regions are geometry (polygons, boxes): the union of its
     * refs as {@link #evaluation()} draws them. No file is read, so no {@link DatasetException} can occur.
     *
     * @param dataset named in the error
     * @throws IllegalArgumentException when a ref holds a heatmap region (not {@code dataset})
     */
    public static BinaryMask geometryGroundTruth(ArtifactRecord record, int height, int width,
            String dataset) {
        for (Ref r : record.refs()) {
            if (r.region() instanceof Region.Heatmap) {
                throw new IllegalArgumentException("record " + record.id() + " has a heatmap region: not " + dataset);
            }
        }
        try {
            return evaluation().unionOfRefs(record.refs(), height, width);
        } catch (DatasetException e) {
            throw new IllegalStateException("unreachable: no file is read for polygons and boxes", e);
        }
    }

    /** The polygons' pixels ({@link #semantics()}), a union over the polygons. */
    public BinaryMask polygons(List<double[]> polygons, int height, int width) {
        byte[] acc = new byte[checkedArea(height, width)];
        drawPolygons(polygons, height, width, acc);
        return BinaryMask.fromBytes(acc, height, width);
    }

    /** The box's pixels ({@link #semantics()}). */
    public BinaryMask box(Region.Box box, int height, int width) {
        byte[] acc = new byte[checkedArea(height, width)];
        drawBox(box, height, width, acc);
        return BinaryMask.fromBytes(acc, height, width);
    }

    /**
     * Upstream's training target for one ref: every polygon rasterized by pycocotools and added as uint8
     * ({@code binary_mask += mask.decode(frPyObjects([seg], h, w)).squeeze()}), so pixels covered by
     * several polygons count more than 1 (and wrap past 255, as numpy does). Independent of
     * {@link #semantics()}.
     */
    public static SummedMask trainingSum(List<double[]> polygons, int height, int width) {
        byte[] sum = new byte[checkedArea(height, width)];
        for (double[] p : polygons) {
            checkSize(p);
            CocoPolygons.addDecoded(CocoPolygons.rle(p, height, width), sum);
        }
        return new SummedMask(height, width, sum);
    }

    /**
     * The evaluation's integer vertices of a polygon: each coordinate cast to float32, then truncated toward
     * zero to int32 ({@code np.float32 -> astype(np.int32)}; saturating, NaN as 0). An odd trailing value
     * is dropped.
     */
    public static int[] evaluationPoints(double[] polygon) {
        int n = polygon.length / 2 * 2;
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = (int) (float) polygon[i];
        }
        return out;
    }

    /**
     * The evaluation's box corners, {@code [x1, y1, x2, y2]} exactly as {@code generate_loki_mask} computes
     * them: {@code int()} of {@code x}, {@code y}, {@code x + w}, {@code y + h} (truncation toward zero), then
     * {@code x1, y1} raised to 0 and {@code x2, y2} lowered to {@code width - 1, height - 1}.
     */
    public static int[] evaluationBoxCorners(Region.Box box, int height, int width) {
        int x1 = Math.max(0, (int) box.x());
        int y1 = Math.max(0, (int) box.y());
        int x2 = Math.min(width - 1, (int) (box.x() + box.width()));
        int y2 = Math.min(height - 1, (int) (box.y() + box.height()));
        return new int[] {x1, y1, x2, y2};
    }

    private void drawPolygons(List<double[]> polygons, int height, int width, byte[] acc) {
        for (double[] p : polygons) {
            checkSize(p);
            if (semantics == Semantics.TRAINING) {
                CocoPolygons.addDecoded(CocoPolygons.rle(p, height, width), acc);
                // keep acc 0/1: the sum wraps at 256, which must not clear a covered pixel
                clampToOne(acc);
            } else {
                // one fillPoly call per polygon, as upstream: overlapping polygons never cancel out
                OpenCvFill.fillPoly(acc, height, width, evaluationPoints(p), (byte) 1);
            }
        }
    }

    private void drawBox(Region.Box b, int height, int width, byte[] acc) {
        if (semantics == Semantics.TRAINING) {
            CocoPolygons.addDecoded(CocoPolygons.boxRle(b.x(), b.y(), b.width(), b.height(), height, width), acc);
            clampToOne(acc);
        } else {
            int[] c = evaluationBoxCorners(b, height, width);
            OpenCvFill.fillRectangle(acc, height, width, c[0], c[1], c[2], c[3], (byte) 1);
        }
    }

    /** Refuses a polygon the readers would have refused, so that regions built in code cannot stall a fill. */
    private static void checkSize(double[] polygon) {
        if (polygon.length > 2 * Region.MAX_POLYGON_POINTS) {
            throw new IllegalArgumentException("polygon of " + polygon.length / 2 + " points, more than the "
                    + Region.MAX_POLYGON_POINTS + " a polygon may have");
        }
    }

    private static void clampToOne(byte[] acc) {
        for (int i = 0; i < acc.length; i++) {
            if (acc[i] != 0) {
                acc[i] = 1;
            }
        }
    }

    private static void orInto(BinaryMask m, byte[] acc) {
        byte[] b = m.toBytes();
        for (int i = 0; i < acc.length; i++) {
            acc[i] |= b[i];
        }
    }

    private static int checkedArea(int height, int width) {
        if (height <= 0 || width <= 0 || (long) height * width > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("mask size must be positive and at most 2^31-1 pixels, got h="
                    + height + " w=" + width);
        }
        return height * width;
    }

    /**
     * A heatmap region: the image's gray values {@code > threshold}. Grayscale images are read as they are
     * (16-bit samples scaled to 8 bits by {@code >> 8}); color images are converted with OpenCV's
     * {@code BGR2GRAY} weights ({@code (4899 R + 9617 G + 1868 B + 8192) >> 14}). When the image is not
     * {@code height x width} it is resized like {@code cv2.resize(..., INTER_NEAREST)}: source index
     * {@code floor(dst * (1 / (dst_size / src_size)))}, clamped to the last index.
     *
     * @throws DatasetException when the file cannot be read or is not an image
     */
    public static BinaryMask heatmap(Region.Heatmap heatmap, int height, int width) throws DatasetException {
        checkedArea(height, width);
        Path file = heatmap.file();
        BufferedImage img;
        try (InputStream in = Files.newInputStream(file)) {
            img = ImageIO.read(in);
        } catch (IOException e) {
            throw new DatasetException(file, "cannot read heatmap image: " + e.getMessage(), e);
        }
        if (img == null) {
            throw new DatasetException(file, "not an image format ImageIO can read (expected a grayscale heatmap)");
        }
        int sw = img.getWidth();
        int sh = img.getHeight();
        int[] gray = grayValues(img);
        int[] xmap = nearestIndex(width, sw);
        int[] ymap = nearestIndex(height, sh);
        int threshold = heatmap.threshold();
        boolean[] out = new boolean[height * width];
        for (int y = 0; y < height; y++) {
            int srow = ymap[y] * sw;
            for (int x = 0; x < width; x++) {
                out[y * width + x] = gray[srow + xmap[x]] > threshold;
            }
        }
        return BinaryMask.fromBooleans(out, height, width);
    }

    /** OpenCV {@code resizeNN}'s source index per destination index. */
    private static int[] nearestIndex(int dst, int src) {
        int[] map = new int[dst];
        double ifx = 1.0 / ((double) dst / src);
        for (int i = 0; i < dst; i++) {
            map[i] = Math.min((int) Math.floor(i * ifx), src - 1);
        }
        return map;
    }

    private static int[] grayValues(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        int[] out = new int[w * h];
        ColorModel cm = img.getColorModel();
        Raster r = img.getRaster();
        boolean gray = !(cm instanceof IndexColorModel) && cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY;
        if (gray) {
            int bits = cm.getComponentSize(0);
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                r.getSamples(0, y, w, 1, 0, row);
                for (int x = 0; x < w; x++) {
                    out[y * w + x] = bits > 8 ? row[x] >>> (bits - 8) : row[x];
                }
            }
            return out;
        }
        int[] rgb = new int[w];
        for (int y = 0; y < h; y++) {
            img.getRGB(0, y, w, 1, rgb, 0, w);
            for (int x = 0; x < w; x++) {
                int p = rgb[x];
                int rr = (p >> 16) & 0xFF;
                int gg = (p >> 8) & 0xFF;
                int bb = p & 0xFF;
                out[y * w + x] = (rr * 4899 + gg * 9617 + bb * 1868 + 8192) >> 14;
            }
        }
        return out;
    }
}
