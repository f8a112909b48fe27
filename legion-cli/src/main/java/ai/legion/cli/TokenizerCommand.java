package ai.legion.cli;

import ai.legion.core.tokenizer.LegionTokenizer;
import ai.legion.core.tokenizer.SentencePieceConverter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code legion tokenizer convert|encode}. */
@Command(name = "tokenizer", mixinStandardHelpOptions = true, description = "Tokenizer utilities.",
        subcommands = {TokenizerCommand.Convert.class, TokenizerCommand.Encode.class})
final class TokenizerCommand implements Runnable {

    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(name = "convert", mixinStandardHelpOptions = true,
            description = "Convert a SentencePiece BPE tokenizer.model to a Hugging Face tokenizer.json "
                    + "that reproduces SentencePiece's ids.")
    static final class Convert implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "TOKENIZER_MODEL")
        Path model;

        @Parameters(index = "1", paramLabel = "TOKENIZER_JSON")
        Path json;

        @Override
        public Integer call() throws Exception {
            SentencePieceConverter.convert(model, json);
            System.out.println("wrote " + json);
            return 0;
        }
    }

    @Command(name = "encode", mixinStandardHelpOptions = true,
            description = "Encode text as LEGION's tokenizer does (BOS added; '<image>' becomes -200).")
    static final class Encode implements Callable<Integer> {
        @Option(names = "--model", required = true, paramLabel = "DIR",
                description = "Checkpoint folder with tokenizer.json or tokenizer.model (+ added_tokens.json).")
        Path dir;

        @Parameters(index = "0", paramLabel = "TEXT")
        String text;

        @Override
        public Integer call() throws Exception {
            try (LegionTokenizer tok = LegionTokenizer.load(dir)) {
                System.out.println(Arrays.toString(tok.encodeWithImage(text)));
            }
            return 0;
        }
    }
}
