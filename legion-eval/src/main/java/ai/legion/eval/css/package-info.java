/**
 * The CSS explanation metric: the sentence-transformers model {@code paraphrase-MiniLM-L6-v2} as DJL
 * blocks with the state-dict keys of HF {@code BertModel} (transformers 4.28
 * {@code models/bert/modeling_bert.py}; {@link ai.legion.eval.css.BertModel} and its parts), BERT
 * tokenization through DJL's HuggingFace tokenizer or the pure-Java
 * {@link ai.legion.eval.css.WordPieceTokenizer}, mean pooling and cosine ({@link ai.legion.eval.css.Pooling}),
 * batched encoding ({@link ai.legion.eval.css.SentenceEncoder}) and the paper's ×100 score
 * ({@link ai.legion.eval.css.Css}).
 */
package ai.legion.eval.css;
