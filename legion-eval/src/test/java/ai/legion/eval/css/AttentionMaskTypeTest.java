package ai.legion.eval.css;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.legion.core.io.EngineTypes;
import org.junit.jupiter.api.Test;

/** The BERT mask takes its activation type from the caller: a type DJL cannot hold is refused, not run. */
class AttentionMaskTypeTest {

    @Test
    void extendedMaskRefusesBfloat16AndWorksInFloat32() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray mask = m.create(new long[] {1, 1, 0}, new Shape(1, 3));
            EngineTypes.UnsupportedTypeException e = assertThrows(EngineTypes.UnsupportedTypeException.class,
                    () -> BertModel.extendedAttentionMask(mask, DataType.BFLOAT16));
            assertTrue(e.getMessage().contains("bfloat16") && e.getMessage().contains("widen in Java first"),
                    e.getMessage());
            NDArray ext = BertModel.extendedAttentionMask(mask, DataType.FLOAT32);
            assertArrayEquals(new long[] {1, 1, 1, 3}, ext.getShape().getShape());
            assertEquals(-Float.MAX_VALUE, ext.toFloatArray()[2]);
            assertEquals(0f, ext.toFloatArray()[0], 0f); // (1 - 1) * min is -0.0
        }
    }
}
