package io.flotilla.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Resident memory of this process as Linux reports it in {@code /proc/self/status}: all of it
 * ({@code VmRSS}), its anonymous part ({@code RssAnon}: heap, stacks, malloc) and its file-backed
 * part ({@code RssFile}: mapped files such as the model and the JVM's own libraries).
 */
public record ProcessMemory(long rssBytes, long rssAnonBytes, long rssFileBytes) {
    private static final Path STATUS = Path.of("/proc/self/status");

    /** This process's resident memory now; empty where {@code /proc/self/status} does not exist. */
    public static Optional<ProcessMemory> read() {
        if (!Files.isReadable(STATUS)) {
            return Optional.empty();
        }
        try {
            return Optional.of(parse(Files.readAllLines(STATUS)));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The figures in the lines of a {@code /proc/PID/status} file. */
    static ProcessMemory parse(List<String> lines) {
        return new ProcessMemory(kilobytes(lines, "VmRSS:"), kilobytes(lines, "RssAnon:"), kilobytes(lines, "RssFile:"));
    }

    private static long kilobytes(List<String> lines, String key) {
        for (String line : lines) {
            if (line.startsWith(key)) {
                String[] parts = line.substring(key.length()).trim().split("\\s+");
                return Long.parseLong(parts[0]) * 1024;
            }
        }
        throw new IllegalArgumentException("/proc/self/status has no " + key + " line");
    }
}
