package io.flotilla.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * Control, user-defined and unknown tokens: found in the raw text before any pre-tokenization
 * (longest token text first, as llama.cpp's {@code tokenizer_st_partition}), and the set of tokens
 * that end generation.
 */
final class SpecialTokens {
    /** Token texts llama.cpp treats as end of generation whatever the metadata says. */
    private static final Set<String> EOG_TEXTS = Set.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>",
            "<|call|>", "<end_of_turn>", "<|endoftext|>", "<|eom_id|>", "<EOT>", "_<EOT>", "<|end_of_text|>",
            "<end_of_utterance>", "<｜end▁of▁sentence｜>", "<|fim_pad|>", "<|fim_repo|>", "<|repo_name|>",
            "<|file_sep|>");

    /** A piece of the input: either raw text ({@code token == -1}) or one special token. */
    record Fragment(int token, String text) {
        boolean isText() {
            return token < 0;
        }
    }

    private final Vocab vocab;
    private final int[] byLength;
    private final boolean rstrip;
    private final Set<Integer> endOfGeneration = new HashSet<>();

    SpecialTokens(Vocab vocab, TokenizerSpec.SpecialIds ids, boolean rstrip) {
        this.vocab = vocab;
        this.rstrip = rstrip;
        for (int id = 0; id < vocab.size(); id++) {
            if (EOG_TEXTS.contains(vocab.text(id))) {
                endOfGeneration.add(id);
                vocab.setType(id, TokenType.CONTROL); // llama.cpp forces the control attribute on these
            }
        }
        for (int id : new int[] {ids.eos(), ids.eot(), ids.eom()}) {
            if (vocab.contains(id)) {
                endOfGeneration.add(id);
            }
        }
        this.byLength = IntStream.range(0, vocab.size())
                .filter(id -> isSpecial(vocab.type(id)))
                .boxed()
                .sorted(Comparator.comparingInt((Integer id) -> -vocab.text(id).length()).thenComparingInt(id -> id))
                .mapToInt(Integer::intValue)
                .toArray();
    }

    private static boolean isSpecial(TokenType t) {
        return t == TokenType.CONTROL || t == TokenType.USER_DEFINED || t == TokenType.UNKNOWN;
    }

    boolean isEndOfGeneration(int id) {
        return endOfGeneration.contains(id);
    }

    /**
     * Splits text around special tokens. Control and unknown tokens count only when
     * {@code parseSpecial}; user-defined tokens always do.
     */
    List<Fragment> partition(String text, boolean parseSpecial) {
        List<Fragment> fragments = new ArrayList<>();
        if (text.isEmpty()) {
            return fragments;
        }
        fragments.add(new Fragment(-1, text));
        for (int id : byLength) {
            TokenType type = vocab.type(id);
            if (!parseSpecial && type != TokenType.USER_DEFINED) {
                continue;
            }
            fragments = splitAll(fragments, id);
        }
        return fragments;
    }

    private List<Fragment> splitAll(List<Fragment> fragments, int id) {
        String special = vocab.text(id);
        List<Fragment> out = new ArrayList<>(fragments.size() + 2);
        for (Fragment f : fragments) {
            if (!f.isText() || !f.text().contains(special)) {
                out.add(f);
                continue;
            }
            String rest = f.text();
            int at;
            while ((at = rest.indexOf(special)) >= 0) {
                if (at > 0) {
                    out.add(new Fragment(-1, rest.substring(0, at)));
                }
                out.add(new Fragment(id, special));
                rest = rest.substring(at + special.length());
                if (rstrip && id != vocab.id("<unk>") && id != vocab.id("<s>") && id != vocab.id("<|endoftext|>")) {
                    rest = stripLeadingSpaces(rest);
                }
            }
            if (!rest.isEmpty()) {
                out.add(new Fragment(-1, rest));
            }
        }
        return out;
    }

    /** C's isspace: space, \t, \n, \v, \f, \r. */
    private static String stripLeadingSpaces(String s) {
        int i = 0;
        while (i < s.length() && (s.charAt(i) == ' ' || (s.charAt(i) >= '\t' && s.charAt(i) <= '\r'))) {
            i++;
        }
        return s.substring(i);
    }
}
