package ai.legion.core.io.torch;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Emits the protocol-2 opcodes {@code torch.save} uses for a state dict; nothing else. */
final class PickleWriter {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    PickleWriter proto() {
        out.write(0x80);
        out.write(2);
        return this;
    }

    PickleWriter mark() {
        out.write('(');
        return this;
    }

    PickleWriter global(String module, String name) {
        out.write('c');
        out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
        return this;
    }

    PickleWriter string(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write('X');
        le32(b.length);
        out.writeBytes(b);
        return this;
    }

    PickleWriter integer(long v) {
        if (v >= 0 && v < 256) {
            out.write('K');
            out.write((int) v);
        } else if (v >= 0 && v < 65536) {
            out.write('M');
            out.write((int) (v & 0xFF));
            out.write((int) (v >>> 8));
        } else if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            out.write('J');
            le32((int) v);
        } else {
            // LONG1: minimal two's-complement little-endian
            byte[] be = java.math.BigInteger.valueOf(v).toByteArray();
            out.write(0x8a);
            out.write(be.length);
            for (int i = be.length - 1; i >= 0; i--) {
                out.write(be[i]);
            }
        }
        return this;
    }

    PickleWriter tuple(long... values) {
        switch (values.length) {
            case 0:
                out.write(')');
                return this;
            case 1:
                integer(values[0]);
                out.write(0x85);
                return this;
            case 2:
                integer(values[0]).integer(values[1]);
                out.write(0x86);
                return this;
            case 3:
                integer(values[0]).integer(values[1]).integer(values[2]);
                out.write(0x87);
                return this;
            default:
                mark();
                for (long v : values) {
                    integer(v);
                }
                out.write('t');
                return this;
        }
    }

    PickleWriter op(char opcode) {
        out.write(opcode);
        return this;
    }

    PickleWriter newFalse() {
        out.write(0x89);
        return this;
    }

    PickleWriter binPersId() {
        out.write('Q');
        return this;
    }

    byte[] toByteArray() {
        return out.toByteArray();
    }

    private void le32(int v) {
        out.write(v & 0xFF);
        out.write((v >>> 8) & 0xFF);
        out.write((v >>> 16) & 0xFF);
        out.write((v >>> 24) & 0xFF);
    }
}
