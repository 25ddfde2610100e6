package io.flotilla.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import jinjava.javax.el.CompositeELResolver;

/**
 * A model's chat template ({@code tokenizer.chat_template}, Hugging Face Jinja) rendered
 * with Jinjava configured the way {@code transformers}' {@code apply_chat_template} renders:
 * {@code trim_blocks} and {@code lstrip_blocks} on, {@code raise_exception} and
 * {@code strftime_now} as globals, Python's {@code json.dumps} as {@code tojson}, Python
 * string and dict methods, {@code {% generation %}} blocks.
 *
 * <p>Immutable and safe to share between threads.
 */
public final class ChatTemplate {
    /**
     * The template used for models that ship none: ChatML ({@code <|im_start|>role\n
     * content<|im_end|>\n} per message, then {@code <|im_start|>assistant\n} when a generation
     * prompt is asked for), as Hugging Face's former default and llama.cpp's fallback.
     */
    public static final String FALLBACK_SOURCE = """
            {%- for message in messages %}
            {{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}
            {%- endfor %}
            {%- if add_generation_prompt %}
            {{- '<|im_start|>assistant\\n' }}
            {%- endif %}
            """;

    /** Jinjava's switches toward Jinja2's own behaviour. */
    private static final LegacyOverrides PYTHON_SEMANTICS = LegacyOverrides.newBuilder()
            .withEvaluateMapKeys(true)
            .withIterateOverMapKeys(true)
            .withUsePyishObjectMapper(true)
            .withUseNaturalOperatorPrecedence(true)
            .withParseWhitespaceControlStrictly(true)
            .withAllowAdjacentTextNodes(true)
            .withUseTrimmingForNotesAndExpressions(true)
            .withKeepNullableLoopValues(true)
            .withHandleBackslashInQuotesOnly(true)
            .build();

    private static final Jinjava JINJAVA = newJinjava();

    private final String source;
    private final String bosToken;
    private final String eosToken;
    private final Clock clock;

    private ChatTemplate(String source, String bosToken, String eosToken, Clock clock) {
        this.source = source;
        this.bosToken = bosToken;
        this.eosToken = eosToken;
        this.clock = clock;
    }

    /** A template from its Jinja source and the model's BOS/EOS token texts (empty if none). */
    public static ChatTemplate of(String jinjaSource, String bosToken, String eosToken) {
        Objects.requireNonNull(jinjaSource, "jinjaSource");
        return new ChatTemplate(PythonSyntax.rewrite(withoutTrailingNewline(jinjaSource)), Objects.requireNonNullElse(bosToken, ""),
                Objects.requireNonNullElse(eosToken, ""), Clock.systemDefaultZone());
    }

    /** ChatML, for models without a template of their own; see {@link #FALLBACK_SOURCE}. */
    public static ChatTemplate fallback() {
        return of(FALLBACK_SOURCE, "", "");
    }

    /** The same template reading the time for {@code strftime_now} from {@code clock}. */
    public ChatTemplate withClock(Clock clock) {
        return new ChatTemplate(source, bosToken, eosToken, Objects.requireNonNull(clock, "clock"));
    }

    public String source() {
        return source;
    }

    /**
     * Renders {@code messages}, ending with the assistant's header when
     * {@code addGenerationPrompt}.
     *
     * @throws IllegalArgumentException with the template's own message when it calls
     *     {@code raise_exception}, or Jinjava's error when the template cannot render
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return render(messages, addGenerationPrompt, Map.of());
    }

    /**
     * Renders with extra template variables, as the keyword arguments of
     * {@code apply_chat_template} (e.g. {@code enable_thinking}, {@code tools},
     * {@code date_string}).
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt, Map<String, ?> variables) {
        Map<String, Object> context = new HashMap<>(variables);
        context.put("messages", toMaps(messages));
        context.put("bos_token", bosToken);
        context.put("eos_token", eosToken);
        context.put("add_generation_prompt", addGenerationPrompt);
        context.put("strftime_now", "strftime_now");
        context.put(TemplateFunctions.CLOCK_VARIABLE, clock);
        RenderResult result = JINJAVA.renderForResult(source, context);
        checkErrors(result.getErrors());
        return result.getOutput();
    }

    private static List<Map<String, Object>> toMaps(List<ChatMessage> messages) {
        List<Map<String, Object>> maps = new ArrayList<>(messages.size());
        for (ChatMessage m : messages) {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("role", m.role());
            map.put("content", m.content());
            maps.add(map);
        }
        return maps;
    }

    private static void checkErrors(List<TemplateError> errors) {
        for (TemplateError error : errors) {
            for (Throwable t = error.getException(); t != null; t = t.getCause()) {
                if (t instanceof TemplateFunctions.TemplateRaisedException raised) {
                    throw new IllegalArgumentException(raised.getMessage());
                }
            }
        }
        for (TemplateError error : errors) {
            if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
                throw new IllegalArgumentException("chat template failed at line " + error.getLineno() + ": "
                        + error.getMessage());
            }
        }
    }

    private static String withoutTrailingNewline(String source) {
        if (source.endsWith("\r\n")) {
            return source.substring(0, source.length() - 2);
        }
        return source.endsWith("\n") ? source.substring(0, source.length() - 1) : source;
    }

    private static Jinjava newJinjava() {
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PythonMethodResolver());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_WRITE);
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withElResolver(resolver)
                .withLegacyOverrides(PYTHON_SEMANTICS)
                .withFailOnUnknownTokens(false)
                .withEnableRecursiveMacroCalls(true)
                .withMaxMacroRecursionDepth(64)
                .withMaxOutputSize(64L << 20)
                .build();
        Jinjava jinjava = new Jinjava(config);
        jinjava.registerFunction(new ELFunctionDefinition("", "raise_exception", TemplateFunctions.class,
                "raiseException", Object.class));
        jinjava.registerFunction(new ELFunctionDefinition("", "strftime_now", TemplateFunctions.class,
                "strftimeNow", String.class));
        jinjava.registerFilter(new ToJsonFilter());
        jinjava.registerFilter(new PySliceFilter());
        jinjava.registerTag(new GenerationTag());
        jinjava.registerTag(new FilterBlockTag());
        return jinjava;
    }
}
