package ai.legion.core.config;

import static ai.legion.core.config.ConfigTestSupport.assertInvalid;
import static ai.legion.core.config.ConfigTestSupport.boolOr;
import static ai.legion.core.config.ConfigTestSupport.doubleOr;
import static ai.legion.core.config.ConfigTestSupport.doubles;
import static ai.legion.core.config.ConfigTestSupport.edited;
import static ai.legion.core.config.ConfigTestSupport.intOr;
import static ai.legion.core.config.ConfigTestSupport.tree;
import static ai.legion.core.config.ConfigTestSupport.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.legion.testing.Fixtures;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClipImageProcessorConfigTest {

    @TempDir
    Path tmp;

    private static void assertMatchesTree(JsonNode t, ClipImageProcessorConfig c) {
        JsonNode size = t.get("size");
        int edge = size == null ? 224 : size.isInt() ? size.intValue() : size.get("shortest_edge").intValue();
        assertEquals(edge, c.size().shortestEdge());
        JsonNode crop = t.get("crop_size");
        int h = crop == null ? 224 : crop.isInt() ? crop.intValue() : crop.get("height").intValue();
        int w = crop == null ? 224 : crop.isInt() ? crop.intValue() : crop.get("width").intValue();
        assertEquals(h, c.cropSize().height());
        assertEquals(w, c.cropSize().width());
        assertEquals(boolOr(t, "do_resize", true), c.doResize());
        assertEquals(boolOr(t, "do_center_crop", true), c.doCenterCrop());
        assertEquals(boolOr(t, "do_rescale", true), c.doRescale());
        assertEquals(doubleOr(t, "rescale_factor", 1.0 / 255), c.rescaleFactor());
        assertEquals(boolOr(t, "do_normalize", true), c.doNormalize());
        assertEquals(boolOr(t, "do_convert_rgb", true), c.doConvertRgb());
        assertEquals(intOr(t, "resample", 3), c.resample());
        assertEquals(t.has("image_mean") ? doubles(t.get("image_mean")) : ClipImageProcessorConfig.OPENAI_CLIP_MEAN, c.imageMean());
        assertEquals(t.has("image_std") ? doubles(t.get("image_std")) : ClipImageProcessorConfig.OPENAI_CLIP_STD, c.imageStd());
    }

    @Test
    void readsFixtures() throws Exception {
        for (String rel : new String[] {"parity/clip_vision/preprocessor_config.json",
                "parity/legion_tiny/clip/preprocessor_config.json"}) {
            Path file = Fixtures.path(rel);
            if (!Files.exists(file)) {
                continue; // the legion_tiny copy is optional in a fixture root
            }
            ClipImageProcessorConfig c = ClipImageProcessorConfig.read(file);
            assertMatchesTree(tree(file), c);
            float[] mean = c.imageMeanFloats();
            for (int i = 0; i < 3; i++) {
                assertEquals((float) tree(file).get("image_mean").get(i).doubleValue(), mean[i]);
            }
        }
    }

    @Test
    void processorMatchesTheTowerResolution() throws Exception {
        ClipImageProcessorConfig p = ClipImageProcessorConfig.read(Fixtures.path("parity/clip_vision/preprocessor_config.json"));
        ClipVisionConfig v = ClipVisionConfig.read(Fixtures.path("parity/clip_vision/config.json"));
        assertEquals(v.imageSize(), p.cropSize().height());
        assertEquals(v.imageSize(), p.cropSize().width());
    }

    @Test
    void defaultsAndLegacyIntSizes() throws Exception {
        Path empty = write(tmp, "empty.json", "{\"image_processor_type\": \"CLIPImageProcessor\"}");
        ClipImageProcessorConfig d = ClipImageProcessorConfig.read(empty);
        assertEquals(ClipImageProcessorConfig.defaults(), d);
        assertEquals(224, d.size().shortestEdge());
        assertEquals(new ClipImageProcessorConfig.CropSize(224, 224), d.cropSize());
        assertEquals(3, d.resample());
        assertEquals(1.0 / 255, d.rescaleFactor());
        assertEquals(List.of(0.48145466, 0.4578275, 0.40821073), d.imageMean());
        assertEquals(List.of(0.26862954, 0.26130258, 0.27577711), d.imageStd());
        assertArrayEquals(new float[] {0.26862954f, 0.26130258f, 0.27577711f}, d.imageStdFloats());

        Path legacy = write(tmp, "legacy.json", "{\"feature_extractor_type\": \"CLIPFeatureExtractor\", \"size\": 336,"
                + " \"crop_size\": 336}");
        assertEquals(Presets.clipL336Processor(), ClipImageProcessorConfig.read(legacy));
        Path rect = write(tmp, "rect.json", "{\"crop_size\": {\"height\": 20, \"width\": 30}, \"size\": {\"shortest_edge\": 25}}");
        ClipImageProcessorConfig r = ClipImageProcessorConfig.read(rect);
        assertEquals(20, r.cropSize().height());
        assertEquals(30, r.cropSize().width());
        assertEquals(25, r.size().shortestEdge());
    }

    @Test
    void invalidValuesNameFileAndField() throws Exception {
        Path src = Fixtures.path("parity/clip_vision/preprocessor_config.json");
        Path f1 = edited(tmp, "size.json", src, n -> n.putObject("size").put("height", 42).put("width", 42));
        assertInvalid(f1, () -> ClipImageProcessorConfig.read(f1), "size", "shortest_edge");
        Path f2 = edited(tmp, "mean.json", src, n -> n.putArray("image_mean").add(0.5).add(0.5));
        assertInvalid(f2, () -> ClipImageProcessorConfig.read(f2), "image_mean", "3 values");
        Path f3 = edited(tmp, "std.json", src, n -> n.putArray("image_std").add(0.5).add(0.0).add(0.5));
        assertInvalid(f3, () -> ClipImageProcessorConfig.read(f3), "image_std");
        Path f4 = edited(tmp, "resample.json", src, n -> n.put("resample", 9));
        assertInvalid(f4, () -> ClipImageProcessorConfig.read(f4), "resample 9");
        Path f5 = edited(tmp, "crop.json", src, n -> n.putObject("crop_size").put("height", 0).put("width", 42));
        assertInvalid(f5, () -> ClipImageProcessorConfig.read(f5), "crop_size.height 0");
        Path f6 = edited(tmp, "rescale.json", src, n -> n.put("rescale_factor", 0.0));
        assertInvalid(f6, () -> ClipImageProcessorConfig.read(f6), "rescale_factor");
        Path f7 = edited(tmp, "cropstr.json", src, n -> n.put("crop_size", "big"));
        assertInvalid(f7, () -> ClipImageProcessorConfig.read(f7), "crop_size");
    }
}
