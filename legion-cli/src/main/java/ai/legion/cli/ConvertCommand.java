package ai.legion.cli;

import ai.legion.core.io.CheckpointConverter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code legion convert SRC OUT_DIR}: torch .bin shards to safetensors shards. */
@Command(name = "convert", mixinStandardHelpOptions = true,
        header = "Convert a torch checkpoint to safetensors.",
        description = {"Convert a torch checkpoint (.bin/.pth/.pt file, shard index or model folder) to safetensors.",
            "Tensors are copied bit-exactly (BF16 stays BF16), one at a time; config and tokenizer files of a folder "
                    + "are copied along."})
final class ConvertCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "SRC", description = "Checkpoint file, *.index.json or model folder.")
    Path source;

    @Parameters(index = "1", paramLabel = "OUT_DIR", description = "Folder to write the safetensors files to.")
    Path out;

    @Override
    public Integer call() throws Exception {
        long t0 = System.nanoTime();
        CheckpointConverter.Result r = CheckpointConverter.toSafetensors(source, out);
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf("wrote %d tensors (%.1f MB) in %d file(s)%s to %s in %.1f s%n", r.tensors(), r.bytes() / 1e6,
                r.files().size(), r.index() == null ? "" : " + index", out, s);
        return 0;
    }
}
