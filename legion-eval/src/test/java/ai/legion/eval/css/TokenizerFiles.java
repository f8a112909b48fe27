package ai.legion.eval.css;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Writes an HF {@code tokenizer.json} equivalent to a BERT {@code vocab.txt} (what HF's BertConverter produces). */
final class TokenizerFiles {

    private TokenizerFiles() {}

    /**
     * @param vocab token → id
     * @param specials special tokens in the vocabulary (all become added special tokens)
     * @param cls the [CLS] token
     * @param sep the [SEP] token
     * @param unk the [UNK] token
     * @param lowercase BertNormalizer lowercase (strip_accents left unset, so it follows lowercase)
     */
    static void writeBertTokenizerJson(Path file, Map<String, Integer> vocab, List<String> specials, String cls, String sep,
            String unk, boolean lowercase) throws IOException {
        ObjectMapper om = new ObjectMapper();
        ObjectNode root = om.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (String s : specials) {
            ObjectNode t = added.addObject();
            t.put("id", vocab.get(s));
            t.put("content", s);
            t.put("single_word", false);
            t.put("lstrip", false);
            t.put("rstrip", false);
            t.put("normalized", false);
            t.put("special", true);
        }
        ObjectNode norm = root.putObject("normalizer");
        norm.put("type", "BertNormalizer");
        norm.put("clean_text", true);
        norm.put("handle_chinese_chars", true);
        norm.putNull("strip_accents");
        norm.put("lowercase", lowercase);
        root.putObject("pre_tokenizer").put("type", "BertPreTokenizer");
        ObjectNode post = root.putObject("post_processor");
        post.put("type", "BertProcessing");
        post.putArray("sep").add(sep).add(vocab.get(sep));
        post.putArray("cls").add(cls).add(vocab.get(cls));
        ObjectNode dec = root.putObject("decoder");
        dec.put("type", "WordPiece");
        dec.put("prefix", "##");
        dec.put("cleanup", true);
        ObjectNode model = root.putObject("model");
        model.put("type", "WordPiece");
        model.put("unk_token", unk);
        model.put("continuing_subword_prefix", "##");
        model.put("max_input_chars_per_word", 100);
        ObjectNode v = model.putObject("vocab");
        vocab.entrySet().stream().sorted(Map.Entry.comparingByValue()).forEach(e -> v.put(e.getKey(), e.getValue()));
        om.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), root);
    }
}
