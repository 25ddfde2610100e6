package io.flotilla.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Real templates from {@code ../shared/chat-templates} against the exact prompt each model
 * documents (and that Hugging Face's {@code apply_chat_template} produces) for
 * system + user + assistant + user with a generation prompt.
 */
class ChatTemplateTest {
    private static final List<ChatMessage> CONVERSATION = ChatTemplateCoverageTest.CONVERSATION;
    private static final List<ChatMessage> WITHOUT_SYSTEM = CONVERSATION.subList(1, CONVERSATION.size());
    private static final String LLAMA3_BOS = "<|begin_of_text|>";
    private static final String LLAMA3 = LLAMA3_BOS
            + "<|start_header_id|>system<|end_header_id|>\n\n"
            + "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n"
            + "You are a helpful assistant<|eot_id|>"
            + "<|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|>"
            + "<|start_header_id|>assistant<|end_header_id|>\n\nHi there<|eot_id|>"
            + "<|start_header_id|>user<|end_header_id|>\n\nWho are you<|eot_id|>"
            + "<|start_header_id|>assistant<|end_header_id|>\n\n";
    private static final String CHATML = "<|im_start|>system\nYou are a helpful assistant<|im_end|>\n"
            + "<|im_start|>user\nHello<|im_end|>\n"
            + "<|im_start|>assistant\nHi there<|im_end|>\n"
            + "<|im_start|>user\nWho are you<|im_end|>\n"
            + "<|im_start|>assistant\n";
    private static final String DEEPSEEK_BOS = "<｜begin▁of▁sentence｜>";
    private static final String DEEPSEEK_EOS = "<｜end▁of▁sentence｜>";

    private static ChatTemplate load(String file, String bos, String eos) throws IOException {
        return ChatTemplateCoverageTest.load(file, bos, eos);
    }

    @Test
    void llama31PrintsTheDefaultDate() throws IOException {
        ChatTemplate t = load("meta-llama-Llama-3.1-8B-Instruct.jinja", LLAMA3_BOS, "<|eot_id|>");
        assertThat(t.render(CONVERSATION, true)).isEqualTo(LLAMA3);
    }

    @Test
    void llama33PrintsTheDefaultDate() throws IOException {
        ChatTemplate t = load("meta-llama-Llama-3.3-70B-Instruct.jinja", LLAMA3_BOS, "<|eot_id|>");
        assertThat(t.render(CONVERSATION, true)).isEqualTo(LLAMA3);
    }

    @Test
    void llama32AsksStrftimeNowForTheDate() throws IOException {
        ChatTemplate t = load("meta-llama-Llama-3.2-3B-Instruct.jinja", LLAMA3_BOS, "<|eot_id|>");
        assertThat(t.render(CONVERSATION, true)).isEqualTo(LLAMA3);
        Clock newYear = Clock.fixed(Instant.parse("2025-01-02T10:00:00Z"), ZoneOffset.UTC);
        assertThat(t.withClock(newYear).render(CONVERSATION, true)).contains("Today Date: 02 Jan 2025\n");
    }

    @Test
    void dateStringVariableOverridesTheDefault() throws IOException {
        ChatTemplate t = load("meta-llama-Llama-3.1-8B-Instruct.jinja", LLAMA3_BOS, "<|eot_id|>");
        assertThat(t.render(CONVERSATION, true, Map.of("date_string", "01 Mar 2025")))
                .isEqualTo(LLAMA3.replace("26 Jul 2024", "01 Mar 2025"));
    }

    @Test
    void llama3WithoutGenerationPromptEndsAfterTheLastTurn() throws IOException {
        ChatTemplate t = load("meta-llama-Llama-3.1-8B-Instruct.jinja", LLAMA3_BOS, "<|eot_id|>");
        assertThat(t.render(CONVERSATION, false))
                .isEqualTo(LLAMA3.substring(0, LLAMA3.length() - "<|start_header_id|>assistant<|end_header_id|>\n\n".length()));
    }

    @Test
    void qwen25() throws IOException {
        ChatTemplate t = load("Qwen-Qwen2.5-7B-Instruct.jinja", "", "<|im_end|>");
        assertThat(t.render(CONVERSATION, true)).isEqualTo(CHATML);
        assertThat(t.render(WITHOUT_SYSTEM, true)).isEqualTo(CHATML.replace("You are a helpful assistant",
                "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."));
    }

    @Test
    void qwen3() throws IOException {
        ChatTemplate t = load("Qwen-Qwen3-0.6B.jinja", "", "<|im_end|>");
        assertThat(t.render(CONVERSATION, true)).isEqualTo(CHATML);
        assertThat(t.render(CONVERSATION, true, Map.of("enable_thinking", false)))
                .isEqualTo(CHATML + "<think>\n\n</think>\n\n");
    }

    @Test
    void qwen3DropsReasoningOfEarlierTurnsAndKeepsItAfterTheLastQuery() throws IOException {
        ChatTemplate t = load("Qwen-Qwen3-0.6B.jinja", "", "<|im_end|>");
        List<ChatMessage> messages = List.of(
                ChatMessage.user("Hello"),
                ChatMessage.assistant("<think>\nGreet back.\n</think>\n\nHi there"),
                ChatMessage.user("Who are you"),
                ChatMessage.assistant("<think>\nIntroduce.\n</think>\n\nI am Qwen"));
        assertThat(t.render(messages, false)).isEqualTo(
                "<|im_start|>user\nHello<|im_end|>\n"
                + "<|im_start|>assistant\nHi there<|im_end|>\n"
                + "<|im_start|>user\nWho are you<|im_end|>\n"
                + "<|im_start|>assistant\n<think>\nIntroduce.\n</think>\n\nI am Qwen<|im_end|>\n");
    }

    @Test
    void mistralNemoPutsTheSystemPromptIntoTheLastUserTurn() throws IOException {
        ChatTemplate t = load("mistralai-Mistral-Nemo-Instruct-2407.jinja", "<s>", "</s>");
        assertThat(t.render(CONVERSATION, true)).isEqualTo(
                "<s>[INST]Hello[/INST]Hi there</s>[INST]You are a helpful assistant\n\nWho are you[/INST]");
    }

    @Test
    void mistralNemoRejectsTurnsThatDoNotAlternate() throws IOException {
        ChatTemplate t = load("mistralai-Mistral-Nemo-Instruct-2407.jinja", "<s>", "</s>");
        assertThatThrownBy(() -> t.render(List.of(ChatMessage.user("a"), ChatMessage.user("b")), true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("After the optional system message, conversation roles must alternate "
                        + "user/assistant/user/assistant/...");
    }

    @Test
    void mistralSmall32() throws IOException {
        ChatTemplate t = load("Mistral-Small-3.2-24B-Instruct-2506.jinja", "<s>", "</s>");
        assertThat(t.render(CONVERSATION, true)).isEqualTo(
                "<s>[SYSTEM_PROMPT]You are a helpful assistant[/SYSTEM_PROMPT]"
                + "[INST]Hello[/INST]Hi there</s>[INST]Who are you[/INST]");
        assertThat(t.render(WITHOUT_SYSTEM, true))
                .startsWith("<s>[SYSTEM_PROMPT]You are Mistral Small 3, a Large Language Model (LLM) created by "
                        + "Mistral AI, a French startup headquartered in Paris.\nYour knowledge base was last "
                        + "updated on 2023-10-01. The current date is 2024-07-26.\n\n")
                .endsWith("[/SYSTEM_PROMPT][INST]Hello[/INST]Hi there</s>[INST]Who are you[/INST]");
    }

    @Test
    void gemma2() throws IOException {
        ChatTemplate t = load("google-gemma-2-2b-it.jinja", "<bos>", "<eos>");
        assertThat(t.render(WITHOUT_SYSTEM, true)).isEqualTo(
                "<bos><start_of_turn>user\nHello<end_of_turn>\n"
                + "<start_of_turn>model\nHi there<end_of_turn>\n"
                + "<start_of_turn>user\nWho are you<end_of_turn>\n"
                + "<start_of_turn>model\n");
    }

    @Test
    void gemma2RaisesOnASystemMessageAsHuggingFaceDoes() throws IOException {
        ChatTemplate t = load("google-gemma-2-2b-it.jinja", "<bos>", "<eos>");
        assertThatThrownBy(() -> t.render(CONVERSATION, true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("System role not supported");
    }

    @Test
    void deepSeekR1DistillLlamaAndQwen() throws IOException {
        String expected = DEEPSEEK_BOS + "You are a helpful assistant<｜User｜>Hello<｜Assistant｜>Hi there"
                + DEEPSEEK_EOS + "<｜User｜>Who are you<｜Assistant｜><think>\n";
        ChatTemplate llama = load("deepseek-ai-DeepSeek-R1-Distill-Llama-8B.jinja", DEEPSEEK_BOS, DEEPSEEK_EOS);
        assertThat(llama.render(CONVERSATION, true)).isEqualTo(expected);
        // the Qwen distill's template (as llama.cpp ships it) closes the think block unless enable_thinking
        ChatTemplate qwen = load("deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja", DEEPSEEK_BOS, DEEPSEEK_EOS);
        assertThat(qwen.render(CONVERSATION, true, Map.of("enable_thinking", true))).isEqualTo(expected);
        assertThat(qwen.render(CONVERSATION, true)).isEqualTo(expected + "</think>");
    }

    @Test
    void deepSeekR1DistillDropsReasoningFromHistory() throws IOException {
        ChatTemplate t = load("deepseek-ai-DeepSeek-R1-Distill-Llama-8B.jinja", DEEPSEEK_BOS, DEEPSEEK_EOS);
        List<ChatMessage> messages = List.of(ChatMessage.user("Hello"),
                ChatMessage.assistant("<think>\nGreet.\n</think>\n\nHi there"), ChatMessage.user("Who are you"));
        assertThat(t.render(messages, true)).isEqualTo(DEEPSEEK_BOS + "<｜User｜>Hello<｜Assistant｜>\n\nHi there"
                + DEEPSEEK_EOS + "<｜User｜>Who are you<｜Assistant｜><think>\n");
    }

    @Test
    void deepSeekV31WithAndWithoutThinking() throws IOException {
        ChatTemplate t = load("deepseek-ai-DeepSeek-V3.1.jinja", DEEPSEEK_BOS, DEEPSEEK_EOS);
        String expected = DEEPSEEK_BOS + "You are a helpful assistant<｜User｜>Hello<｜Assistant｜><think></think>"
                + "Hi there" + DEEPSEEK_EOS + "<｜User｜>Who are you<｜Assistant｜><think></think>";
        assertThat(t.render(CONVERSATION, true)).isEqualTo(expected);
        assertThat(t.render(CONVERSATION, true, Map.of("thinking", true)))
                .isEqualTo(expected.substring(0, expected.length() - "</think>".length()));
    }

    @Test
    void phi35AndGranite33() throws IOException {
        assertThat(load("microsoft-Phi-3.5-mini-instruct.jinja", "<s>", "<|endoftext|>").render(CONVERSATION, true))
                .isEqualTo("<|system|>\nYou are a helpful assistant<|end|>\n<|user|>\nHello<|end|>\n"
                        + "<|assistant|>\nHi there<|end|>\n<|user|>\nWho are you<|end|>\n<|assistant|>\n");
        assertThat(load("ibm-granite-granite-3.3-2B-Instruct.jinja", "", "<|end_of_text|>")
                .render(CONVERSATION, true)).isEqualTo(
                "<|start_of_role|>system<|end_of_role|>You are a helpful assistant<|end_of_text|>\n"
                + "<|start_of_role|>user<|end_of_role|>Hello<|end_of_text|>\n"
                + "<|start_of_role|>assistant<|end_of_role|>Hi there<|end_of_text|>\n"
                + "<|start_of_role|>user<|end_of_role|>Who are you<|end_of_text|>\n"
                + "<|start_of_role|>assistant<|end_of_role|>");
    }

    @Test
    void qwen25WithToolsAndAToolCall() throws IOException {
        Map<String, Object> city = new LinkedHashMap<>();
        city.put("type", "string");
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("type", "object");
        parameters.put("properties", Map.of("city", city));
        parameters.put("required", List.of("city"));
        Map<String, Object> function = new LinkedHashMap<>();
        function.put("name", "get_weather");
        function.put("description", "Get weather");
        function.put("parameters", parameters);
        Map<String, Object> tool = new LinkedHashMap<>();
        tool.put("type", "function");
        tool.put("function", function);
        Map<String, Object> call = new LinkedHashMap<>();
        call.put("type", "function");
        call.put("function", Map.of("name", "get_weather", "arguments", Map.of("city", "Paris")));
        Map<String, Object> assistant = new LinkedHashMap<>();
        assistant.put("role", "assistant");
        assistant.put("content", null);
        assistant.put("tool_calls", List.of(call));
        List<Map<String, Object>> messages = List.of(
                Map.of("role", "user", "content", "Weather in Paris?"),
                assistant,
                Map.of("role", "tool", "content", "{\"temp\": 20}"));
        String out = load("Qwen-Qwen2.5-7B-Instruct.jinja", "", "<|im_end|>")
                .renderMessages(messages, true, Map.of("tools", List.of(tool)));
        assertThat(out).isEqualTo("<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful "
                + "assistant.\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
                + "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n"
                + "{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"description\": "
                + "\"Get weather\", \"parameters\": {\"type\": \"object\", \"properties\": {\"city\": "
                + "{\"type\": \"string\"}}, \"required\": [\"city\"]}}}\n</tools>\n\n"
                + "For each function call, return a json object with function name and arguments within "
                + "<tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": "
                + "<args-json-object>}\n</tool_call><|im_end|>\n"
                + "<|im_start|>user\nWeather in Paris?<|im_end|>\n"
                + "<|im_start|>assistant\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": "
                + "{\"city\": \"Paris\"}}\n</tool_call><|im_end|>\n"
                + "<|im_start|>user\n<tool_response>\n{\"temp\": 20}\n</tool_response><|im_end|>\n"
                + "<|im_start|>assistant\n");
    }

    @Test
    void fallbackIsChatMl() {
        assertThat(ChatTemplate.fallback().render(CONVERSATION, true)).isEqualTo(CHATML);
        assertThat(ChatTemplate.fallback().render(CONVERSATION, false))
                .isEqualTo(CHATML.substring(0, CHATML.length() - "<|im_start|>assistant\n".length()));
    }
}
