package ai.legion.eval.report;

import ai.legion.core.image.ImageLoader;
import ai.legion.core.image.RgbImage;
import ai.legion.core.report.BinaryMask;
import ai.legion.core.text.SafeText;
import ai.legion.eval.metrics.MaskResize;
import ai.legion.eval.runner.ImageResult;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * The best and worst images of a run: each a strip of thumbnails (image, ground truth in green, prediction in
 * red) embedded as a base64 JPEG, with the scores and the predicted vs reference explanation.
 */
final class Gallery {

    /** Thumbnail height in pixels. */
    static final int THUMB = 160;
    private static final int GAP = 4;
    private static final int GT_COLOR = 0x00C853;
    private static final int PRED_COLOR = 0xFF1744;
    private static final int MAX_TEXT = 700;

    private Gallery() {}

    /** The results a gallery ranks: scored ones, by mIoU when localization was scored, else by ROUGE-L. */
    static List<List<ImageResult>> select(List<ImageResult> results, int n) {
        List<ImageResult> ok = results.stream().filter(ImageResult::ok).toList();
        ToDoubleFunction<ImageResult> key;
        if (ok.stream().anyMatch(r -> r.localization() != null)) {
            ok = ok.stream().filter(r -> r.localization() != null).toList();
            key = r -> r.localization().miou();
        } else if (ok.stream().anyMatch(r -> r.explanation() != null)) {
            ok = ok.stream().filter(r -> r.explanation() != null).toList();
            key = r -> r.explanation().rougeL().fmeasure();
        } else {
            return List.of(List.of(), List.of());
        }
        List<ImageResult> asc = new ArrayList<>(ok);
        asc.sort(Comparator.comparingDouble(key).thenComparing(ImageResult::id));
        int k = Math.min(n, asc.size());
        List<ImageResult> worst = new ArrayList<>(asc.subList(0, Math.min(k, (asc.size() + 1) / 2)));
        Set<String> taken = new HashSet<>();
        worst.forEach(r -> taken.add(r.id()));
        List<ImageResult> best = new ArrayList<>();
        for (int i = asc.size() - 1; i >= 0 && best.size() < k; i--) {
            if (!taken.contains(asc.get(i).id())) {
                best.add(asc.get(i));
            }
        }
        return List.of(best, worst);
    }

    /** One gallery card as XHTML. */
    static String card(ImageResult r, ImageLoader loader) {
        StringBuilder sb = new StringBuilder("<figure class=\"card\">\n");
        String data = null;
        String why = null;
        try {
            data = strip(r, loader);
        } catch (Exception e) {
            why = e.getMessage();
        }
        if (data != null) {
            sb.append("<img alt=\"").append(SafeText.forHtml(r.id())).append("\" src=\"data:image/jpeg;base64,")
                    .append(data).append("\"/>\n");
        } else {
            sb.append("<p class=\"note\">image not shown: ").append(SafeText.forHtml(why)).append("</p>\n");
        }
        sb.append("<figcaption><b>").append(SafeText.forHtml(r.id())).append("</b>");
        List<String> scores = new ArrayList<>();
        if (r.localization() != null) {
            scores.add("mIoU " + ReportTables.pct(r.localization().miou()));
            scores.add("F1 " + ReportTables.pct(r.localization().f1()));
            scores.add(String.format(Locale.ROOT, "GT %.1f%%, predicted %.1f%% of the image",
                    100.0 * r.localization().counts().groundTruthArea() / r.localization().counts().pixels(),
                    100.0 * r.localization().counts().predictionArea() / r.localization().counts().pixels()));
        }
        if (r.explanation() != null) {
            scores.add("ROUGE-L " + ReportTables.pct(r.explanation().rougeL().fmeasure()));
            if (r.explanation().css() != null) {
                scores.add(String.format(Locale.ROOT, "CSS %.2f", r.explanation().css()));
            }
        }
        if (r.detection() != null) {
            scores.add(String.format(Locale.ROOT, "p(fake) %.3f", r.detection().fakeProbability()));
        }
        sb.append(" · ").append(SafeText.forHtml(String.join(" · ", scores)));
        if (r.explanation() != null) {
            sb.append("<br/><span class=\"lbl\">predicted</span> ")
                    .append(SafeText.forHtml(orEmpty(r.explanation().prediction()), MAX_TEXT))
                    .append("<br/><span class=\"lbl\">reference</span> ")
                    .append(SafeText.forHtml(orEmpty(r.explanation().reference()), MAX_TEXT));
        }
        sb.append("</figcaption>\n</figure>\n");
        return sb.toString();
    }

    private static String orEmpty(String s) {
        return s == null || s.isEmpty() ? "(empty)" : s;
    }

    /** The image with its masks side by side, as base64 JPEG. */
    static String strip(ImageResult r, ImageLoader loader) throws Exception {
        RgbImage img = loader.load(Path.of(r.image()));
        int w = img.width();
        int h = img.height();
        int side = Math.min(THUMB, h); // never enlarged
        int tw = Math.max(1, (int) Math.round((double) w * side / h));
        if (tw > 2 * THUMB) { // very wide images: limit the width instead
            tw = 2 * THUMB;
        }
        int th = Math.max(1, (int) Math.round((double) h * tw / w));
        BufferedImage thumb = scale(img.toBufferedImage(), tw, th);
        List<BufferedImage> panels = new ArrayList<>();
        panels.add(thumb);
        ImageResult.Localization loc = r.localization();
        if (loc != null && r.width() == w && r.height() == h) {
            panels.add(tint(thumb, MaskResize.nearest(loc.groundTruth(h, w), th, tw), GT_COLOR));
            panels.add(tint(thumb, MaskResize.nearest(loc.prediction(h, w), th, tw), PRED_COLOR));
        }
        BufferedImage out = new BufferedImage(panels.size() * tw + (panels.size() - 1) * GAP, th,
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, out.getWidth(), th);
        for (int i = 0; i < panels.size(); i++) {
            g.drawImage(panels.get(i), i * (tw + GAP), 0, null);
        }
        g.dispose();
        return Base64.getEncoder().encodeToString(jpeg(out));
    }

    /** JPEG at quality 0.9: a tenth of the PNG size for photos, so that a report stays small. */
    private static byte[] jpeg(BufferedImage img) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(out);
            ImageWriteParam p = writer.getDefaultWriteParam();
            p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            p.setCompressionQuality(0.9f);
            writer.write(null, new IIOImage(img, null, null), p);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }

    private static BufferedImage scale(BufferedImage src, int w, int h) {
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, w < src.getWidth()
                ? RenderingHints.VALUE_INTERPOLATION_BILINEAR : RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
        g.drawImage(src, 0, 0, w, h, null);
        g.dispose();
        return out;
    }

    /** The thumbnail with the mask's pixels blended 50% towards {@code rgb}. */
    private static BufferedImage tint(BufferedImage thumb, BinaryMask mask, int rgb) {
        int w = thumb.getWidth();
        int h = thumb.getHeight();
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int cr = (rgb >> 16) & 0xFF;
        int cg = (rgb >> 8) & 0xFF;
        int cb = rgb & 0xFF;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = thumb.getRGB(x, y);
                if (mask.get(x, y)) {
                    int r = (((p >> 16) & 0xFF) + cr) / 2;
                    int gg = (((p >> 8) & 0xFF) + cg) / 2;
                    int b = ((p & 0xFF) + cb) / 2;
                    p = (r << 16) | (gg << 8) | b;
                }
                out.setRGB(x, y, p & 0xFFFFFF);
            }
        }
        return out;
    }
}
