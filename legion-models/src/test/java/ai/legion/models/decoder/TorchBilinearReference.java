package ai.legion.models.decoder;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * An independent reference for plain bilinear resampling: a minimal TorchScript module, written
 * here as a serialized archive, that calls libtorch's own
 * {@code upsample_bilinear2d(x, size, align_corners=False)} (what {@code F.interpolate(x, size,
 * mode="bilinear", align_corners=False)} dispatches to, without antialiasing), run by DJL's
 * PyTorch engine. DJL's {@code interpolation} cannot serve as the reference because it antialiases.
 */
final class TorchBilinearReference implements AutoCloseable {

    private final Model model;
    private final Block block;

    private TorchBilinearReference(Model model) {
        this.model = model;
        this.block = model.getBlock();
    }

    /** Builds the module resizing {@code [N, C, h, w]} to {@code (outH, outW)} in {@code dir}. */
    static TorchBilinearReference create(Path dir, int outH, int outW) throws Exception {
        Path file = dir.resolve("bilinear.pt");
        String code = "class Resize(Module):\n"
                + "  __parameters__ = []\n"
                + "  __buffers__ = []\n"
                + "  training : bool\n"
                + "  def forward(self: __torch__.Resize,\n"
                + "    x: Tensor) -> Tensor:\n"
                + "    return torch.upsample_bilinear2d(x, [" + outH + ", " + outW + "], False, None, None)\n";
        try (OutputStream out = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(out)) {
            stored(zip, "archive/version", "3\n".getBytes(StandardCharsets.US_ASCII));
            stored(zip, "archive/code/__torch__.py", code.getBytes(StandardCharsets.UTF_8));
            stored(zip, "archive/data.pkl", objectPickle());
            stored(zip, "archive/constants.pkl", new byte[] {(byte) 0x80, 2, ')', '.'}); // an empty tuple
        }
        Model model = Model.newInstance("bilinear", Device.cpu(), "PyTorch");
        model.load(dir, "bilinear.pt");
        return new TorchBilinearReference(model);
    }

    /** Resizes {@code x} with libtorch's kernel. */
    NDArray resize(NDArray x) {
        return block.forward(new ParameterStore(x.getManager(), false), new NDList(x), false).singletonOrThrow();
    }

    @Override
    public void close() {
        model.close();
    }

    /** Pickle (protocol 2) of a {@code __torch__.Resize} object whose state is {@code {"training": False}}. */
    private static byte[] objectPickle() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(new byte[] {(byte) 0x80, 2});
        b.write("c__torch__\nResize\n".getBytes(StandardCharsets.US_ASCII)); // GLOBAL
        b.write(')'); // EMPTY_TUPLE
        b.write(0x81); // NEWOBJ
        b.write('}'); // EMPTY_DICT
        b.write('('); // MARK
        byte[] key = "training".getBytes(StandardCharsets.US_ASCII);
        b.write('X'); // BINUNICODE
        b.write(new byte[] {(byte) key.length, 0, 0, 0});
        b.write(key);
        b.write(0x89); // NEWFALSE
        b.write('u'); // SETITEMS
        b.write('b'); // BUILD
        b.write('.'); // STOP
        return b.toByteArray();
    }

    private static void stored(ZipOutputStream zip, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        e.setCompressedSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        zip.putNextEntry(e);
        zip.write(data);
        zip.closeEntry();
    }
}
