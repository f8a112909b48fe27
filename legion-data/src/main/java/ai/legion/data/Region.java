package ai.legion.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/** Where an annotated artifact is, in the original image's pixel coordinates. */
public sealed interface Region permits Region.Polygons, Region.Box, Region.Heatmap, Region.None {

    /**
     * The most points a reader accepts in one polygon: a polygon tracing every pixel of a 4096 x 4096 image's
     * outline has about 16k points, so more than this is broken data, and a million points would keep the
     * scan-line rasterizer busy for minutes.
     */
    int MAX_POLYGON_POINTS = 100_000;

    /**
     * The largest absolute coordinate (and box side) a reader accepts, in pixels: 2^20, far beyond any image a
     * model is evaluated on; larger values are corrupt annotations, not artifacts.
     */
    double MAX_COORDINATE = 1 << 20;

    /**
     * COCO-style polygons: each a flat {@code [x0, y0, x1, y1, ...]} list (SynthScars {@code segmentation}).
     * Polygons of fewer than 3 points are kept as published; rasterizers decide what they cover.
     */
    record Polygons(List<double[]> polygons) implements Region {
        public Polygons {
            List<double[]> copy = new ArrayList<>(polygons.size());
            for (double[] p : polygons) {
                copy.add(Objects.requireNonNull(p, "polygon").clone());
            }
            polygons = Collections.unmodifiableList(copy);
        }

        /** A copy of polygon {@code i}. */
        public double[] polygon(int i) {
            return polygons.get(i).clone();
        }
    }

    /** An axis-aligned box {@code [x, y, w, h]} (LOKI {@code region}, COCO bbox). */
    record Box(double x, double y, double width, double height) implements Region {}

    /**
     * A grayscale map stored as an image file (RichHF-18K artifact heatmaps): the region is the set of
     * pixels whose value exceeds {@code threshold} (0..255).
     */
    record Heatmap(Path file, int threshold) implements Region {
        public Heatmap {
            Objects.requireNonNull(file, "file");
            if (threshold < 0 || threshold > 255) {
                throw new IllegalArgumentException("heatmap threshold must be in 0..255, got " + threshold);
            }
        }
    }

    /** No location (an explanation without a mask, or an image-level statement). */
    record None() implements Region {}
}
