package io.flotilla.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.InterpretException;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TreeParser;
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
 * string and dict methods, {@code {% generation %}} and {@code {% filter %}} blocks,
 * {@code loop.previtem}/{@code nextitem}, and the parsing differences {@link PythonSyntax}
 * rewrites (slices, {@code not x is defined}, keyword arguments, Python printing).
 * The template is parsed once, in {@link #of}; a syntax error fails there.
 *
 * <p>Known gaps: Jinjava cannot tell {@code None} from undefined (both print as nothing and
 * are not {@code defined}); Python's {@code %} string formatting is not supported.
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

    private static final JinjavaConfig CONFIG = newConfig();
    private static final Jinjava JINJAVA = newJinjava();

    private final String source;
    private final String bosToken;
    private final String eosToken;
    private final Clock clock;
    private final Node tree;

    private ChatTemplate(String source, String bosToken, String eosToken, Clock clock, Node tree) {
        this.source = source;
        this.tree = tree;
        this.bosToken = bosToken;
        this.eosToken = eosToken;
        this.clock = clock;
    }

    /** A template from its Jinja source and the model's BOS/EOS token texts (empty if none). */
    public static ChatTemplate of(String jinjaSource, String bosToken, String eosToken) {
        Objects.requireNonNull(jinjaSource, "jinjaSource");
        String source = PythonSyntax.rewrite(LoopNeighbours.rewrite(withoutTrailingNewline(jinjaSource)));
        return new ChatTemplate(source, Objects.requireNonNullElse(bosToken, ""),
                Objects.requireNonNullElse(eosToken, ""), Clock.systemDefaultZone(), parse(source));
    }

    /** ChatML, for models without a template of their own; see {@link #FALLBACK_SOURCE}. */
    public static ChatTemplate fallback() {
        return of(FALLBACK_SOURCE, "", "");
    }

    /** The same template reading the time for {@code strftime_now} from {@code clock}. */
    public ChatTemplate withClock(Clock clock) {
        return new ChatTemplate(source, bosToken, eosToken, Objects.requireNonNull(clock, "clock"), tree);
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
        return renderMessages(toMaps(messages), addGenerationPrompt, variables);
    }

    /**
     * Renders messages shaped as OpenAI's and Hugging Face's (maps with {@code role},
     * {@code content}, and where needed {@code tool_calls}, {@code tool_call_id},
     * {@code reasoning_content} ...; a {@code null} content is allowed), with template
     * variables such as {@code tools} (a list of maps).
     */
    public String renderMessages(List<? extends Map<String, ?>> messages, boolean addGenerationPrompt,
                                 Map<String, ?> variables) {
        Map<String, Object> context = new HashMap<>(variables);
        context.put("messages", messages);
        context.put("bos_token", bosToken);
        context.put("eos_token", eosToken);
        context.put("add_generation_prompt", addGenerationPrompt);
        context.put("strftime_now", "strftime_now");
        context.put(TemplateFunctions.CLOCK_VARIABLE, clock);
        // a fresh copy of the global context per render: Jinjava records resolved names up the
        // parent chain, so sharing one parent would grow it and race between threads
        JinjavaInterpreter fresh = new JinjavaInterpreter(JINJAVA,
                new Context(JINJAVA.getGlobalContextCopy(), context, CONFIG.getDisabled()), CONFIG);
        try (var current = JinjavaInterpreter.closeablePushCurrent(fresh).get()) {
            JinjavaInterpreter interpreter = current.value();
            String output = interpreter.render(tree);
            checkErrors(interpreter.getErrorsCopy());
            return output;
        } catch (InterpretException e) {
            throw new IllegalArgumentException("chat template failed: " + e.getMessage(), e);
        }
    }

    /** Parses once; the tree holds no render state and is shared by all renders. */
    private static Node parse(String source) {
        try (var current = JinjavaInterpreter.closeablePushCurrent(JINJAVA.newInterpreter()).get()) {
            JinjavaInterpreter interpreter = current.value();
            Node tree = new TreeParser(interpreter, source).buildTree();
            checkErrors(interpreter.getErrorsCopy());
            return tree;
        } catch (InterpretException e) {
            throw new IllegalArgumentException("chat template does not parse: " + e.getMessage(), e);
        }
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
                        + error.getMessage(), error.getException());
            }
        }
    }

    private static String withoutTrailingNewline(String source) {
        if (source.endsWith("\r\n")) {
            return source.substring(0, source.length() - 2);
        }
        return source.endsWith("\n") ? source.substring(0, source.length() - 1) : source;
    }

    private static JinjavaConfig newConfig() {
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PythonMethodResolver());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_WRITE);
        return JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withElResolver(resolver)
                .withLegacyOverrides(PYTHON_SEMANTICS)
                .withFailOnUnknownTokens(false)
                .withEnableRecursiveMacroCalls(true)
                .withMaxMacroRecursionDepth(64)
                .withMaxOutputSize(64L << 20)
                .build();
    }

    private static Jinjava newJinjava() {
        Jinjava jinjava = new Jinjava(CONFIG);
        jinjava.registerFunction(new ELFunctionDefinition("", "raise_exception", TemplateFunctions.class,
                "raiseException", Object.class));
        jinjava.registerFunction(new ELFunctionDefinition("", "strftime_now", TemplateFunctions.class,
                "strftimeNow", String.class));
        jinjava.registerFilter(new ToJsonFilter());
        jinjava.registerFilter(new PySliceFilter());
        jinjava.registerFilter(new DictSortFilter());
        jinjava.registerFilter(new ItemsFilter());
        jinjava.registerFilter(new PyStrFilter());
        jinjava.registerExpTest(new IterableTest());
        jinjava.registerTag(new GenerationTag());
        jinjava.registerTag(new FilterBlockTag());
        return jinjava;
    }
}
