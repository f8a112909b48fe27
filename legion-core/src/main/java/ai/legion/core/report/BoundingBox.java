package ai.legion.core.report;

/**
 * An axis-aligned pixel box in COCO {@code [x, y, width, height]} form: {@code (x, y)} is the top-left
 * pixel, and the box covers columns {@code x .. x + width - 1} and rows {@code y .. y + height - 1}
 * (pycocotools' {@code toBbox} gives the same numbers for a mask).
 *
 * @param x left column
 * @param y top row
 * @param width number of columns, at least 1
 * @param height number of rows, at least 1
 */
public record BoundingBox(int x, int y, int width, int height) {

    /** Validates the box. */
    public BoundingBox {
        if (x < 0 || y < 0 || width <= 0 || height <= 0) {
            throw new IllegalArgumentException("invalid box [x=" + x + ", y=" + y + ", w=" + width + ", h=" + height + "]");
        }
    }

    /** {@code width * height}. */
    public long area() {
        return (long) width * height;
    }

    /** The column just right of the box ({@code x + width}). */
    public int right() {
        return x + width;
    }

    /** The row just below the box ({@code y + height}). */
    public int bottom() {
        return y + height;
    }

    /** {@code [x, y, width, height]}. */
    public int[] toArray() {
        return new int[] {x, y, width, height};
    }
}
