package io.flotilla.chat;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Renders every real template in {@code ../shared/chat-templates} with a plain
 * system/user/assistant/user conversation and reports the ones that fail; fails only
 * when too many do.
 */
class ChatTemplateCoverageTest {
    static final List<ChatMessage> CONVERSATION = List.of(
            ChatMessage.system("You are a helpful assistant"),
            ChatMessage.user("Hello"),
            ChatMessage.assistant("Hi there"),
            ChatMessage.user("Who are you"));

    static Path templates() {
        String shared = System.getProperty("flotilla.shared", "");
        Path dir = Path.of(shared, "chat-templates");
        Assumptions.assumeTrue(!shared.isEmpty() && Files.isDirectory(dir), "../shared not found: " + dir);
        return dir;
    }

    private static final Map<String, ChatTemplate> LOADED = new java.util.concurrent.ConcurrentHashMap<>();

    /** A shared template, its clock fixed at 26 Jul 2024 (the date Llama 3.x templates default to). */
    static ChatTemplate load(String name, String bos, String eos) throws IOException {
        Path file = templates().resolve(name);
        String key = name + "\u0000" + bos + "\u0000" + eos;
        ChatTemplate cached = LOADED.get(key);
        if (cached == null) {
            Clock clock = Clock.fixed(Instant.parse("2024-07-26T12:00:00Z"), ZoneOffset.UTC);
            cached = ChatTemplate.of(Files.readString(file), bos, eos).withClock(clock);
            LOADED.put(key, cached);
        }
        return cached;
    }

    @Test
    void rendersNearlyEveryShippedTemplate() throws IOException {
        Map<String, String> failures = new TreeMap<>();
        List<Path> files;
        try (Stream<Path> list = Files.list(templates())) {
            files = list.filter(p -> p.toString().endsWith(".jinja")).sorted().toList();
        }
        for (Path file : files) {
            try {
                String out = ChatTemplate.of(Files.readString(file), "<s>", "</s>").render(CONVERSATION, true);
                if (Boolean.getBoolean("flotilla.chat.dump")) {
                    System.out.println("=== " + file.getFileName() + "\n" + out + "\n=== end");
                }
            } catch (RuntimeException e) {
                failures.put(file.getFileName().toString(), String.valueOf(e.getMessage()));
            }
        }
        System.out.printf("chat templates rendered: %d of %d%n", files.size() - failures.size(), files.size());
        failures.forEach((name, why) -> System.out.println("  cannot render " + name + ": " + why));
        assertThat(files.size() - failures.size()).isGreaterThanOrEqualTo(files.size() * 3 / 4);
    }
}
