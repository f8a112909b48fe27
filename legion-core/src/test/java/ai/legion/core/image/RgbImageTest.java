package ai.legion.core.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;

class RgbImageTest {

    @Test
    void validatesSizes() {
        assertThrows(IllegalArgumentException.class, () -> new RgbImage(0, 1, new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> new RgbImage(2, -1, new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> new RgbImage(2, 2, new byte[11]));
        assertThrows(NullPointerException.class, () -> new RgbImage(2, 2, null));
        assertThrows(IllegalArgumentException.class, () -> new RgbImage(100_000, 100_000, new byte[3]));
    }

    @Test
    void layoutIsHwcRgb() {
        byte[] rgb = new byte[2 * 3 * 3];
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = (byte) (i * 10);
        }
        RgbImage img = new RgbImage(2, 3, rgb); // W=2, H=3
        assertEquals(0, img.get(0, 0, 0));
        assertEquals(20, img.get(0, 0, 2));
        assertEquals(30, img.get(1, 0, 0)); // next column
        assertEquals(60, img.get(0, 1, 0)); // next row = W*3 bytes later
        assertEquals(170, img.get(1, 2, 2));
        assertThrows(IndexOutOfBoundsException.class, () -> img.get(2, 0, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> img.get(0, 0, 3));
        assertEquals(3, img.hw()[0]);
        assertEquals(2, img.hw()[1]);
    }

    @Test
    void bufferedImageRoundTripAndCrop() {
        BufferedImage bi = new BufferedImage(4, 3, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 4; x++) {
                bi.setRGB(x, y, (x * 60) << 16 | (y * 80) << 8 | (x + y));
            }
        }
        RgbImage img = RgbImage.of(bi);
        assertEquals(120, img.get(2, 1, 0));
        assertEquals(80, img.get(2, 1, 1));
        assertEquals(3, img.get(2, 1, 2));
        BufferedImage back = img.toBufferedImage();
        assertEquals(bi.getRGB(3, 2) & 0xFFFFFF, back.getRGB(3, 2) & 0xFFFFFF);
        assertEquals(img, RgbImage.of(back));

        RgbImage c = img.crop(1, 1, 2, 2);
        assertEquals(2, c.width());
        assertEquals(img.get(2, 2, 0), c.get(1, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> img.crop(3, 0, 2, 1));

        RgbImage copy = new RgbImage(4, 3, img.rgb().clone());
        assertEquals(img, copy);
        assertEquals(img.hashCode(), copy.hashCode());
        copy.rgb()[0] ^= 1;
        assertNotEquals(img, copy);
        assertEquals("RgbImage[4x3]", img.toString());
    }
}
