package ai.legion.refine.server;

import ai.legion.core.image.RgbImage;
import ai.legion.refine.ImageCodec;
import java.util.Base64;

/** Deterministic test pictures and their encodings. */
public final class Pictures {

    private Pictures() {}

    /** A smooth pattern that depends on {@code seed}: the same arguments give the same pixels. */
    public static RgbImage pattern(int w, int h, long seed) {
        byte[] rgb = new byte[w * h * 3];
        int a = (int) (seed & 0xFF);
        int b = (int) ((seed >>> 8) & 0xFF);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = (y * w + x) * 3;
                rgb[i] = (byte) (x * 255 / Math.max(1, w - 1) ^ a);
                rgb[i + 1] = (byte) (y * 255 / Math.max(1, h - 1) ^ b);
                rgb[i + 2] = (byte) ((x + y + a + b) & 0xFF);
            }
        }
        return new RgbImage(w, h, rgb);
    }

    /** Every channel inverted ({@code 255 - v}): what the fake inpainters return. */
    public static RgbImage invert(RgbImage img) {
        byte[] out = img.rgb().clone();
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) (255 - (out[i] & 0xFF));
        }
        return new RgbImage(img.width(), img.height(), out);
    }

    /** Nearest-neighbour resize (the fake servers' own, independent of the code under test). */
    public static RgbImage nearest(RgbImage img, int w, int h) {
        byte[] out = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            int sy = y * img.height() / h;
            for (int x = 0; x < w; x++) {
                int sx = x * img.width() / w;
                System.arraycopy(img.rgb(), (sy * img.width() + sx) * 3, out, (y * w + x) * 3, 3);
            }
        }
        return new RgbImage(w, h, out);
    }

    /** Base64 of the PNG. */
    public static String b64(RgbImage img) {
        return Base64.getEncoder().encodeToString(ImageCodec.png(img));
    }

    /** Decodes a PNG (or anything ImageIO reads) for assertions. */
    public static RgbImage decode(byte[] png) {
        try {
            return ImageCodec.decode(png, "test");
        } catch (Exception e) {
            throw new AssertionError("not an image: " + e, e);
        }
    }

    /** Decodes base64 PNG. */
    public static RgbImage decodeB64(String b64) {
        return decode(Base64.getDecoder().decode(b64));
    }
}
