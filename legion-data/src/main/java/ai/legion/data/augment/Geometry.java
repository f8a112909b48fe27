package ai.legion.data.augment;

import ai.legion.core.image.PillowResize;
import ai.legion.core.image.RgbImage;
import ai.legion.core.report.BinaryMask;
import java.util.ArrayList;
import java.util.List;

/** Pixel-mapping operations shared by the geometric augmentations, for images and masks alike. */
final class Geometry {

    private Geometry() {}

    static RgbImage flipHorizontal(RgbImage img) {
        int w = img.width();
        int h = img.height();
        byte[] src = img.rgb();
        byte[] out = new byte[src.length];
        for (int y = 0; y < h; y++) {
            int row = y * w * 3;
            for (int x = 0; x < w; x++) {
                System.arraycopy(src, row + (w - 1 - x) * 3, out, row + x * 3, 3);
            }
        }
        return new RgbImage(w, h, out);
    }

    static BinaryMask flipHorizontal(BinaryMask m) {
        int w = m.width();
        int h = m.height();
        boolean[] src = m.toBooleans();
        boolean[] out = new boolean[src.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                out[y * w + x] = src[y * w + (w - 1 - x)];
            }
        }
        return BinaryMask.fromBooleans(out, h, w);
    }

    static BinaryMask crop(BinaryMask m, int left, int top, int cw, int ch) {
        int w = m.width();
        boolean[] src = m.toBooleans();
        boolean[] out = new boolean[cw * ch];
        for (int y = 0; y < ch; y++) {
            System.arraycopy(src, (top + y) * w + left, out, y * cw, cw);
        }
        return BinaryMask.fromBooleans(out, ch, cw);
    }

    /** Zero padding (black pixels) on each side. */
    static RgbImage pad(RgbImage img, int left, int top, int right, int bottom) {
        int w = img.width();
        int nw = w + left + right;
        int nh = img.height() + top + bottom;
        byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(nw, nh), 3)];
        for (int y = 0; y < img.height(); y++) {
            System.arraycopy(img.rgb(), y * w * 3, out, ((top + y) * nw + left) * 3, w * 3);
        }
        return new RgbImage(nw, nh, out);
    }

    /** Padding with unset pixels on each side. */
    static BinaryMask pad(BinaryMask m, int left, int top, int right, int bottom) {
        int w = m.width();
        int nw = w + left + right;
        int nh = m.height() + top + bottom;
        boolean[] src = m.toBooleans();
        boolean[] out = new boolean[nw * nh];
        for (int y = 0; y < m.height(); y++) {
            System.arraycopy(src, y * w, out, (top + y) * nw + left, w);
        }
        return BinaryMask.fromBooleans(out, nh, nw);
    }

    /** Pillow's NEAREST resize of the 0/1 mask plane (the same pixel mapping as for an image). */
    static BinaryMask resizeNearest(BinaryMask m, int width, int height) {
        byte[] out = PillowResize.resize(m.toBytes(), m.width(), m.height(), 1, width, height,
                PillowResize.Filter.NEAREST);
        return BinaryMask.fromBytes(out, height, width);
    }

    /** Resizes the image with {@code filter} and every mask with nearest neighbour to the same size. */
    static Sample resize(Sample s, int width, int height, PillowResize.Filter filter) {
        if (width == s.image().width() && height == s.image().height()) {
            return s;
        }
        RgbImage img = PillowResize.resize(s.image(), width, height, filter);
        List<BinaryMask> masks = new ArrayList<>(s.masks().size());
        for (BinaryMask m : s.masks()) {
            masks.add(resizeNearest(m, width, height));
        }
        return new Sample(img, masks);
    }

    /** Crops the image and every mask to {@code [top, top+h) × [left, left+w)}. */
    static Sample crop(Sample s, int left, int top, int cw, int ch) {
        if (left == 0 && top == 0 && cw == s.image().width() && ch == s.image().height()) {
            return s;
        }
        RgbImage img = s.image().crop(left, top, cw, ch);
        List<BinaryMask> masks = new ArrayList<>(s.masks().size());
        for (BinaryMask m : s.masks()) {
            masks.add(crop(m, left, top, cw, ch));
        }
        return new Sample(img, masks);
    }
}
