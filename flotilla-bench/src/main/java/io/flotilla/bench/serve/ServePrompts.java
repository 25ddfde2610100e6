package io.flotilla.bench.serve;

import java.util.SplittableRandom;

/**
 * Prompts of random common English words, one word counting as about one token: every prompt
 * starts with the same {@code sharedPrefix} words, followed by words of its own up to
 * {@code inputLen}. The same seed gives the same prompts.
 */
public final class ServePrompts {
    private static final String[] WORDS = ("the of and to in is was for on that with as at by from he she it they"
            + " we you this have had not are but his her one all were there when what which their said an each"
            + " time will about out up then them so some would make like into him has two more go see no way could"
            + " my than first been call who its now find long down day did get come made may part over new sound"
            + " take only little work know place year live me back give most very after thing our just name good"
            + " man think say great where help through much before line right too mean old any same tell boy"
            + " follow came want show also around form three small set put end does another well large must big"
            + " even such turn here why ask went men read need land different home us move try kind hand picture"
            + " again change off play spell air away animal house point page letter mother answer found study"
            + " still learn should world high every near add food between own below country plant last school"
            + " father keep tree never start city earth eye light thought head under story saw left few while"
            + " along might close something seem next hard open example begin life always those both paper together"
            + " got group often run important until children side feet car mile night walk white sea began grow"
            + " took river four carry state once book hear stop without second later miss idea enough eat face"
            + " watch far real almost let above girl sometimes mountain cut young talk soon list song being leave"
            + " family music color stand sun question fish area mark dog horse birds problem complete room knew"
            + " since ever piece told usually friends easy heard order red door sure become top ship across today"
            + " during short better best however low hours black products happened whole measure remember early"
            + " waves reached").split(" ");

    private final String prefix;
    private final int ownWords;
    private final SplittableRandom random;

    public ServePrompts(int inputLen, int sharedPrefix, long seed) {
        if (sharedPrefix < 0 || sharedPrefix > inputLen) {
            throw new IllegalArgumentException("shared prefix must be within 0.." + inputLen + ", got " + sharedPrefix);
        }
        this.random = new SplittableRandom(seed);
        this.prefix = words(sharedPrefix);
        this.ownWords = inputLen - sharedPrefix;
    }

    /** The next prompt. */
    public synchronized String next() {
        String own = words(ownWords);
        return prefix.isEmpty() ? own : own.isEmpty() ? prefix : prefix + " " + own;
    }

    private String words(int n) {
        StringBuilder sb = new StringBuilder(n * 6);
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append(WORDS[random.nextInt(WORDS.length)]);
        }
        return sb.toString();
    }
}
