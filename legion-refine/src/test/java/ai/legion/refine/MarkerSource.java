package ai.legion.refine;

import ai.legion.core.image.RgbImage;
import ai.legion.core.report.Artifact;
import ai.legion.core.report.ArtifactReport;
import ai.legion.core.report.BinaryMask;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A deterministic stand-in for LEGION: pure red pixels (255, 0, 0) are artifact 0 ("hand", six fingers),
 * pure blue pixels (0, 0, 255) artifact 1 ("reflection"). It lets the loop tests see artifacts appear and
 * disappear as the images change.
 */
final class MarkerSource implements ArtifactSource {

    static final int[] RED = {255, 0, 0};
    static final int[] BLUE = {0, 0, 255};

    final AtomicInteger calls = new AtomicInteger();
    final List<String> sources = new ArrayList<>();

    @Override
    public synchronized ArtifactReport analyze(RgbImage image, String source) {
        calls.incrementAndGet();
        sources.add(source);
        ArtifactReport.Builder b = ArtifactReport.builder(source, image.width(), image.height());
        BinaryMask red = pixels(image, RED);
        BinaryMask blue = pixels(image, BLUE);
        StringBuilder text = new StringBuilder();
        int i = 0;
        if (!red.isEmpty()) {
            b.addArtifact(new Artifact(i++, "hand", "The hand has six fingers.", red, 0.9f));
            text.append("hand: The hand has six fingers. ");
        }
        if (!blue.isEmpty()) {
            b.addArtifact(new Artifact(i, "reflection", "The reflection does not match the object.", blue, 0.8f));
            text.append("reflection: The reflection does not match the object.");
        }
        return b.explanationText(text.toString().strip()).build();
    }

    static BinaryMask pixels(RgbImage img, int[] color) {
        boolean[] b = new boolean[img.width() * img.height()];
        for (int y = 0; y < img.height(); y++) {
            for (int x = 0; x < img.width(); x++) {
                b[y * img.width() + x] = img.get(x, y, 0) == color[0] && img.get(x, y, 1) == color[1]
                        && img.get(x, y, 2) == color[2];
            }
        }
        return BinaryMask.fromBooleans(b, img.height(), img.width());
    }

    /** {@code img} with a {@code side x side} square of {@code color} at (x0, y0). */
    static RgbImage paint(RgbImage img, int x0, int y0, int side, int[] color) {
        byte[] rgb = img.rgb().clone();
        for (int y = y0; y < y0 + side; y++) {
            for (int x = x0; x < x0 + side; x++) {
                int i = (y * img.width() + x) * 3;
                rgb[i] = (byte) color[0];
                rgb[i + 1] = (byte) color[1];
                rgb[i + 2] = (byte) color[2];
            }
        }
        return new RgbImage(img.width(), img.height(), rgb);
    }
}
