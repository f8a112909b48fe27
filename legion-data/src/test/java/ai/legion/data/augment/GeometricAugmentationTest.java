package ai.legion.data.augment;

import static ai.legion.data.augment.AugmentTestImages.labeled;
import static ai.legion.data.augment.AugmentTestImages.pixels;
import static ai.legion.data.augment.AugmentTestImages.random;
import static ai.legion.data.augment.AugmentTestImages.rect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.image.PillowResize;
import ai.legion.core.image.RgbImage;
import ai.legion.core.report.BinaryMask;
import ai.legion.core.report.BoundingBox;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GeometricAugmentationTest {

    @Test
    void flipMovesMaskPixelWithImagePixel() {
        int w = 9;
        int h = 5;
        RgbImage img = labeled(w, h);
        Sample s = new Sample(img, List.of(pixels(w, h, 2, 1), rect(w, h, 0, 0, 3, 5)));
        Sample out = new HorizontalFlip(1.0).apply(s, 1L);
        BinaryMask one = out.masks().get(0);
        assertEquals(1, one.area());
        assertTrue(one.get(w - 1 - 2, 1), "pixel (2,1) -> (6,1)");
        // the image pixel now at (6,1) is the one that was at (2,1)
        assertEquals(2, out.image().get(6, 1, 0));
        assertEquals(1, out.image().get(6, 1, 1));
        assertEquals(rect(w, h, 6, 0, 9, 5), out.masks().get(1));
        // flipping twice restores everything
        assertEquals(s, new HorizontalFlip(1.0).apply(out, 2L));
        // p = 0: untouched instance
        assertSame(s, new HorizontalFlip(0.0).apply(s, 3L));
    }

    @Test
    void flipProbabilityIsRespected() {
        Sample s = new Sample(labeled(4, 3), List.of(pixels(4, 3, 0, 0)));
        HorizontalFlip flip = new HorizontalFlip(0.5);
        SplittableRandom rng = new SplittableRandom(11);
        int flipped = 0;
        for (int i = 0; i < 2000; i++) {
            if (flip.apply(s, rng).masks().get(0).get(3, 0)) {
                flipped++;
            }
        }
        assertEquals(1000, flipped, 100);
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.37, 0.5, 0.8, 1.0, 1.5, 2.3})
    void resizeMaskUsesTheImageNearestMapping(double scale) {
        int w = 37;
        int h = 23;
        BinaryMask mask = random(w, h, 5);
        Sample s = new Sample(labeled(w, h), List.of(mask));
        Sample out = new ResizeJitter(scale, scale).apply(s, 9L);
        int nw = (int) Math.round(w * scale);
        int nh = (int) Math.round(h * scale);
        assertEquals(nw, out.image().width());
        assertEquals(nh, out.image().height());
        BinaryMask m = out.masks().get(0);
        assertEquals(nw, m.width());
        assertEquals(nh, m.height());
        // the labeled image resized with NEAREST tells which source pixel each output pixel comes from
        RgbImage labels = PillowResize.resize(labeled(w, h), nw, nh, PillowResize.Filter.NEAREST);
        for (int y = 0; y < nh; y++) {
            for (int x = 0; x < nw; x++) {
                int sx = labels.get(x, y, 0);
                int sy = labels.get(x, y, 1);
                assertEquals(mask.get(sx, sy), m.get(x, y), "output (" + x + "," + y + ") <- (" + sx + "," + sy + ")");
            }
        }
    }

    @Test
    void resizedMaskStaysAlignedWithBilinearImage() {
        // white rectangle on black, mask = the rectangle; after resizing, the bright region and the mask agree
        int w = 60;
        int h = 40;
        BinaryMask mask = rect(w, h, 12, 8, 36, 30);
        byte[] rgb = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (mask.get(x, y)) {
                    rgb[(y * w + x) * 3] = (byte) 255;
                    rgb[(y * w + x) * 3 + 1] = (byte) 255;
                    rgb[(y * w + x) * 3 + 2] = (byte) 255;
                }
            }
        }
        for (double scale : new double[] {0.5, 0.75, 1.6}) {
            Sample out = new ResizeJitter(scale, scale).apply(new Sample(new RgbImage(w, h, rgb), List.of(mask)), 0L);
            RgbImage img = out.image();
            boolean[] bright = new boolean[img.pixelCount()];
            for (int i = 0; i < bright.length; i++) {
                bright[i] = img.get(i % img.width(), i / img.width(), 0) > 127;
            }
            BinaryMask fromImage = BinaryMask.fromBooleans(bright, img.height(), img.width());
            BinaryMask m = out.masks().get(0);
            assertTrue(m.iou(fromImage) > 0.9, "scale " + scale + " IoU " + m.iou(fromImage));
            BoundingBox a = m.bbox().orElseThrow();
            BoundingBox b = fromImage.bbox().orElseThrow();
            assertTrue(Math.abs(a.x() - b.x()) <= 1 && Math.abs(a.y() - b.y()) <= 1, a + " vs " + b);
            assertTrue(Math.abs(a.width() - b.width()) <= 1 && Math.abs(a.height() - b.height()) <= 1, a + " vs " + b);
            // the rectangle's size scales with the image
            assertEquals(24 * scale, a.width(), 1.0);
            assertEquals(22 * scale, a.height(), 1.0);
        }
    }

    @Test
    void resizeJitterDrawsScaleFromRange() {
        Sample s = Sample.of(labeled(100, 50));
        ResizeJitter j = new ResizeJitter(0.5, 1.5);
        SplittableRandom rng = new SplittableRandom(3);
        int min = Integer.MAX_VALUE;
        int max = 0;
        for (int i = 0; i < 200; i++) {
            int w = j.apply(s, rng).image().width();
            min = Math.min(min, w);
            max = Math.max(max, w);
        }
        assertTrue(min >= 50 && min < 60, "min " + min);
        assertTrue(max <= 150 && max > 140, "max " + max);
        assertThrows(IllegalArgumentException.class, () -> new ResizeJitter(0, 1));
        assertThrows(IllegalArgumentException.class, () -> new ResizeJitter(1.2, 1.1));
    }

    @Test
    void shortSideResizeAsTorchvision() {
        // 150x100 -> short side 256: long = int(256·150/100) = 384
        Sample out = new ShortSideResize(256).apply(new Sample(labeled(150, 100), List.of(pixels(150, 100, 0, 0))),
                0L);
        assertEquals(384, out.image().width());
        assertEquals(256, out.image().height());
        assertEquals(384, out.masks().get(0).width());
        // portrait 100x200 -> 256 x int(256·200/100) = 512
        Sample p = new ShortSideResize(256).apply(Sample.of(labeled(100, 200)), 0L);
        assertEquals(256, p.image().width());
        assertEquals(512, p.image().height());
        Sample odd = new ShortSideResize(7).apply(Sample.of(labeled(10, 3)), 0L);
        assertEquals(23, odd.image().width()); // int(7·10/3) = int(23.33)
        assertEquals(7, odd.image().height());
    }

    @Test
    void randomCropCutsImageAndMasksAtTheSameWindow() {
        int w = 40;
        int h = 30;
        BinaryMask mask = random(w, h, 8);
        Sample s = new Sample(labeled(w, h), List.of(mask));
        SplittableRandom rng = new SplittableRandom(17);
        boolean moved = false;
        for (int i = 0; i < 20; i++) {
            Sample out = new RandomCrop(16, 12).apply(s, rng);
            int left = out.image().get(0, 0, 0);
            int top = out.image().get(0, 0, 1);
            moved |= left != 0 || top != 0;
            assertTrue(left + 16 <= w && top + 12 <= h);
            for (int y = 0; y < 12; y++) {
                for (int x = 0; x < 16; x++) {
                    assertEquals(left + x, out.image().get(x, y, 0));
                    assertEquals(mask.get(left + x, top + y), out.masks().get(0).get(x, y));
                }
            }
        }
        assertTrue(moved);
        assertSame(s, new RandomCrop(w, h).apply(s, 1L));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new RandomCrop(41, 10).apply(s, 1L));
        assertTrue(e.getMessage().contains("41x10"), e.getMessage());
    }

    @Test
    void centerCropOffsetsAndPadding() {
        // W − w = 5 -> left = round(2.5) = 2 (half to even); H − h = 3 -> top = round(1.5) = 2
        Sample s = new Sample(labeled(12, 9), List.of(pixels(12, 9, 2, 2, 11, 8)));
        Sample out = new CenterCrop(7, 6).apply(s, 0L);
        assertEquals(2, out.image().get(0, 0, 0));
        assertEquals(2, out.image().get(0, 0, 1));
        assertTrue(out.masks().get(0).get(0, 0));
        assertEquals(1, out.masks().get(0).area());
        // W − w = 7 -> round(3.5) = 4
        assertEquals(4, new CenterCrop(5, 9).apply(Sample.of(labeled(12, 9)), 0L).image().get(0, 0, 0));
        // larger than the image: zero padding, left (8−5)//2 = 1, top (6−3)//2 = 1
        Sample small = new Sample(labeled(5, 3), List.of(pixels(5, 3, 0, 0)));
        Sample padded = new CenterCrop(8, 6).apply(small, 0L);
        assertEquals(8, padded.image().width());
        assertEquals(6, padded.image().height());
        assertTrue(padded.masks().get(0).get(1, 1));
        assertEquals(1, padded.masks().get(0).area());
        assertEquals(0, padded.image().get(0, 0, 2));
        assertEquals(4, padded.image().get(5, 1, 0)); // source x = 4 lands at 5
    }

    @Test
    void sampleRejectsMismatchedMasks() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Sample(labeled(5, 4), List.of(pixels(5, 4), pixels(4, 5))));
        assertTrue(e.getMessage().contains("mask 1"), e.getMessage());
    }

    @Test
    void composeIsDeterministicBySeed() {
        int w = 80;
        int h = 60;
        Sample s = new Sample(labeled(w, h), List.of(random(w, h, 1), rect(w, h, 10, 10, 30, 20)));
        Augmentation pipeline = Compose.of(new ResizeJitter(0.6, 1.4), Augmentations.blurJpeg(0.5),
                new RandomCrop(32), new HorizontalFlip(0.5));
        Sample a = pipeline.apply(s, 2024L);
        Sample b = pipeline.apply(s, 2024L);
        assertEquals(a, b);
        boolean differs = false;
        for (long seed = 1; seed <= 5 && !differs; seed++) {
            differs = !pipeline.apply(s, seed).equals(a);
        }
        assertTrue(differs, "other seeds give other samples");
        // input untouched
        assertEquals(labeled(w, h), s.image());
    }

    @Test
    void cnnSpotPipelineProducesCropSize() {
        // mask 0 covers the whole image and mask 1 nothing: whatever the draws, they stay full / empty
        Sample s = new Sample(labeled(200, 150), List.of(BinaryMask.full(150, 200), BinaryMask.empty(150, 200)));
        for (long seed = 0; seed < 5; seed++) {
            Sample out = Augmentations.cnnSpotTraining(Augmentations.CNNSPOT_PROBABILITY, 64, 48).apply(s, seed);
            assertEquals(48, out.image().width());
            assertEquals(48, out.image().height());
            assertEquals(BinaryMask.full(48, 48), out.masks().get(0));
            assertEquals(BinaryMask.empty(48, 48), out.masks().get(1));
        }
    }
}
