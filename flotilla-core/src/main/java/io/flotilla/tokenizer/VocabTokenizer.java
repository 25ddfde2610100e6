package io.flotilla.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The tokenizer of a vocabulary: special tokens are split out first, the raw text in between goes
 * to the algorithm of the vocabulary (SPM, BPE or WordPiece), and BOS/EOS are added as the
 * metadata says, following llama.cpp's {@code llama_vocab::tokenize}.
 */
final class VocabTokenizer implements Tokenizer {
    private static final byte[] EMPTY = new byte[0];

    private final TokenizerSpec spec;
    private final Vocab vocab;
    private final SpecialTokens specials;
    private final SpmEncoder spm;
    private final BpeEncoder bpe;
    private final WordPieceEncoder wordPiece;
    private final byte[][] pieces;

    VocabTokenizer(TokenizerSpec spec) {
        this.spec = spec;
        this.vocab = new Vocab(spec.tokens(), spec.types(), spec.scores());
        this.specials = new SpecialTokens(vocab, spec.ids(), spec.rstripSpecial());
        this.spm = spec.kind() == VocabKind.SPM ? new SpmEncoder(vocab, spec.ids().unk()) : null;
        this.bpe = spec.kind() == VocabKind.BPE
                ? new BpeEncoder(vocab, spec.preTokenizer(), spec.merges(), spec.ignoreMerges(), spec.byteEncode())
                : null;
        this.wordPiece = spec.kind() == VocabKind.WPM
                ? new WordPieceEncoder(vocab, spec.ids().unk(), spec.lowercase(), spec.stripAccents())
                : null;
        this.pieces = new byte[vocab.size()][];
        for (int id = 0; id < pieces.length; id++) {
            pieces[id] = piece(id);
        }
    }

    @Override
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        IntList out = new IntList(Math.max(16, text.length() / 3));
        boolean bos = addSpecial && (spec.addBos() || spec.kind() == VocabKind.WPM);
        if (bos) {
            out.add(requireId(spec.ids().bos(), "BOS"));
        }
        boolean previousSpecial = true; // SPM: a space prefix goes before text at the start or after a special token
        for (SpecialTokens.Fragment f : specials.partition(text, parseSpecial)) {
            if (!f.isText()) {
                out.add(f.token());
                previousSpecial = true;
                continue;
            }
            String t = spec.addSpacePrefix() && previousSpecial ? " " + f.text() : f.text();
            if (spec.escapeSpaces()) {
                t = t.replace(' ', '\u2581');
            }
            switch (spec.kind()) {
                case SPM -> spm.encode(t, out);
                case BPE -> bpe.encode(t, out);
                case WPM -> wordPiece.encode(t, out);
            }
            previousSpecial = false;
        }
        if (addSpecial && spec.kind() == VocabKind.WPM) {
            out.add(requireId(spec.ids().sep(), "SEP"));
        } else if (addSpecial && spec.addEos()) {
            out.add(requireId(spec.ids().eos(), "EOS"));
        }
        return out.toArray();
    }

    private static int requireId(int id, String what) {
        if (id < 0) {
            throw new IllegalStateException("the tokenizer is set to add a " + what + " token but has none");
        }
        return id;
    }

    /** Concatenated pieces; with an SPM space prefix, the first token loses one leading space. */
    @Override
    public String decode(int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(ids.length * 4);
        for (int i = 0; i < ids.length; i++) {
            byte[] p = tokenBytes(ids[i]);
            int skip = i == 0 && spec.addSpacePrefix() && p.length > 0 && p[0] == ' ' ? 1 : 0;
            out.write(p, skip, p.length - skip);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Override
    public byte[] tokenBytes(int id) {
        if (!vocab.contains(id)) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary of " + vocab.size());
        }
        return pieces[id];
    }

    /** A token's text as generated output shows it: control and unknown tokens show nothing. */
    private byte[] piece(int id) {
        String text = vocab.text(id);
        return switch (vocab.type(id)) {
            case CONTROL, UNKNOWN, UNUSED, UNDEFINED -> EMPTY;
            case USER_DEFINED -> text.getBytes(StandardCharsets.UTF_8);
            case BYTE -> text.length() == 6 && text.startsWith("<0x")
                    ? new byte[] {(byte) Integer.parseInt(text.substring(3, 5), 16)}
                    : text.getBytes(StandardCharsets.UTF_8);
            case NORMAL -> {
                if (spec.kind() == VocabKind.BPE && spec.byteEncode()) {
                    yield ByteLevel.decode(text);
                }
                yield text.replace('\u2581', ' ').getBytes(StandardCharsets.UTF_8);
            }
        };
    }

    @Override
    public int vocabSize() {
        return vocab.size();
    }

    @Override
    public int bos() {
        return spec.ids().bos();
    }

    @Override
    public int eos() {
        return spec.ids().eos();
    }

    @Override
    public boolean isEndOfGeneration(int id) {
        return specials.isEndOfGeneration(id);
    }

    @Override
    public boolean addBos() {
        return spec.addBos();
    }

    @Override
    public boolean addSpacePrefix() {
        return spec.addSpacePrefix();
    }

    @Override
    public String tokenText(int id) {
        if (!vocab.contains(id)) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary of " + vocab.size());
        }
        return vocab.text(id);
    }

    /** The SPM encoder, for tests; null for other vocabularies. */
    SpmEncoder spmEncoder() {
        return spm;
    }

    @Override
    public String toString() {
        return "Tokenizer[" + spec.kind() + (spec.preTokenizer() == null ? "" : ", " + spec.preTokenizer())
                + ", " + vocab.size() + " tokens]";
    }
}
