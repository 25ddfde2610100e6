package io.flotilla.chat;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Python semantics inside templates: each case is a template and what Jinja2 renders for it. */
class PythonSyntaxTest {
    private static String render(String source) {
        return ChatTemplate.of(source, "", "").render(List.of(), false, Map.of("x", true, "n", 1));
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("{{ '  ab  '.strip() }}", "ab"),
                Arguments.of("{{ 'xxabxx'.strip('x') }}", "ab"),
                Arguments.of("{{ '\n\nab'.lstrip('\n') }}", "ab"),
                Arguments.of("{{ 'a</think>b'.split('</think>')[-1] }}", "b"),
                Arguments.of("{{ 'a b  c'.split() | length }}", "3"),
                Arguments.of("{{ 'a,b,c'.split(',', 1)[1] }}", "b,c"),
                Arguments.of("{{ 'abc'.startswith('ab') }}-{{ 'abc'.endswith('bc') }}", "true-true"),
                Arguments.of("{{ 'hello world'.title() }}", "Hello World"),
                Arguments.of("{{ 'aXa'.replace('a', 'b') }}", "bXb"),
                Arguments.of("{{ 'Ab'.upper() }}{{ 'Ab'.lower() }}", "ABab"),
                Arguments.of("{{ '{} and {}'.format('a', 'b') }}", "a and b"),
                Arguments.of("{{ [1,2,3][1:] }}", "[2, 3]"),
                Arguments.of("{{ [1,2,3][::-1] }}", "[3, 2, 1]"),
                Arguments.of("{{ [1,2,3][:n+1] }}", "[1, 2]"),
                Arguments.of("{{ 'abcd'[1:-1] }}{{ 'abc'[-1] }}", "bcc"),
                Arguments.of("{{ not x is defined }}-{{ not y is defined }}", "false-true"),
                Arguments.of("{% set ns = namespace(a=[1,2]|length - 1) %}{% for i in [1,2] %}{% set ns.a = ns.a + i %}{% endfor %}{{ ns.a }}", "4"),
                Arguments.of("{{ 'k' in {'k': 1} }}-{{ 'x' in 'axb' }}", "true-true"),
                Arguments.of("{% set d = {'b': 1} %}{{ d.get('a', 'none') }}{% for k, v in d.items() %}{{ k }}{{ v }}{% endfor %}", "noneb1"),
                Arguments.of("{{ {'a': [1, 'é', none, true]}|tojson }}", "{\"a\": [1, \"é\", null, true]}"),
                Arguments.of("{{ {'a': {'b': []}}|tojson(indent=2) }}", "{\n  \"a\": {\n    \"b\": []\n  }\n}"),
                Arguments.of("{% macro f(k) %}{% if k > 0 %}{{ k }}{{ f(k - 1) }}{% endif %}{% endmacro %}{{ f(3) }}", "321"),
                Arguments.of("{% for i in [1,2,3] %}{% if i == 2 %}{% break %}{% endif %}{{ i }}{% endfor %}", "1"),
                Arguments.of("{% filter upper %}ab{% endfilter %}{% generation %}c{% endgeneration %}", "ABc"),
                Arguments.of("{{ strftime_now is defined }}", "true"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void rendersAsJinja2(String template, String expected) {
        assertThat(render(template)).isEqualTo(expected);
    }
}
