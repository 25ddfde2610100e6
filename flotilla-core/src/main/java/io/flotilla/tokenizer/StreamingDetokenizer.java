package io.flotilla.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Turns generated token ids into text as they arrive. A token can end in the middle of a UTF-8
 * character; such bytes wait until the character is complete. Fed all tokens, a detokenizer made
 * with the constructor produces exactly {@link Tokenizer#decode} of them (including the SPM rule
 * that the very first token loses one leading space); {@link #continuation} keeps that space.
 * Not thread-safe: one per generation stream.
 */
public final class StreamingDetokenizer {
    private final Tokenizer tokenizer;
    private byte[] pending = new byte[0];
    private boolean first;

    /** Decodes a text from its start: the SPM leading space of the first token is removed. */
    public StreamingDetokenizer(Tokenizer tokenizer) {
        this(tokenizer, true);
    }

    private StreamingDetokenizer(Tokenizer tokenizer, boolean stripFirstSpace) {
        this.tokenizer = tokenizer;
        this.first = stripFirstSpace;
    }

    /**
     * Decodes tokens that continue a prompt: every piece is kept as is, so a first generated
     * "▁and" reads " and", as llama.cpp's completion text does.
     */
    public static StreamingDetokenizer continuation(Tokenizer tokenizer) {
        return new StreamingDetokenizer(tokenizer, false);
    }

    /** The text that became complete with this token; often empty. */
    public String accept(int id) {
        byte[] piece = tokenizer.tokenBytes(id);
        int skip = 0;
        if (first) {
            first = false;
            skip = tokenizer.addSpacePrefix() && piece.length > 0 && piece[0] == ' ' ? 1 : 0;
        }
        ByteArrayOutputStream buf = new ByteArrayOutputStream(pending.length + piece.length);
        buf.writeBytes(pending);
        buf.write(piece, skip, piece.length - skip);
        byte[] all = buf.toByteArray();
        int complete = completePrefix(all);
        pending = Arrays.copyOfRange(all, complete, all.length);
        return new String(all, 0, complete, StandardCharsets.UTF_8);
    }

    /** Whatever is still held back (an incomplete character comes out as U+FFFD). */
    public String flush() {
        String rest = new String(pending, StandardCharsets.UTF_8);
        pending = new byte[0];
        return rest;
    }

    /** Length of the longest prefix that does not end inside an unfinished UTF-8 sequence. */
    static int completePrefix(byte[] b) {
        int n = b.length;
        for (int back = 1; back <= Math.min(3, n); back++) {
            int c = b[n - back] & 0xFF;
            if ((c & 0xC0) == 0x80) {
                continue; // continuation byte: look further back for the lead byte
            }
            int need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
            return need > back ? n - back : n;
        }
        return n;
    }
}
