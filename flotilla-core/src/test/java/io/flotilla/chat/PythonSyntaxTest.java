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
                Arguments.of("{{ 'abc'.startswith('ab') }}-{{ 'abc'.endswith('bc') }}", "True-True"),
                Arguments.of("{{ 'hello world'.title() }}", "Hello World"),
                Arguments.of("{{ 'aXa'.replace('a', 'b') }}", "bXb"),
                Arguments.of("{{ 'Ab'.upper() }}{{ 'Ab'.lower() }}", "ABab"),
                Arguments.of("{{ '{} and {}'.format('a', 'b') }}", "a and b"),
                Arguments.of("{{ [1,2,3][1:] }}", "[2, 3]"),
                Arguments.of("{{ [1,2,3][::-1] }}", "[3, 2, 1]"),
                Arguments.of("{{ [1,2,3][:n+1] }}", "[1, 2]"),
                Arguments.of("{{ 'abcd'[1:-1] }}{{ 'abc'[-1] }}", "bcc"),
                Arguments.of("{{ not x is defined }}-{{ not y is defined }}", "False-True"),
                Arguments.of("{% set ns = namespace(a=[1,2]|length - 1) %}{% for i in [1,2] %}{% set ns.a = ns.a + i %}{% endfor %}{{ ns.a }}", "4"),
                Arguments.of("{{ 'k' in {'k': 1} }}-{{ 'x' in 'axb' }}", "True-True"),
                Arguments.of("{% set d = {'b': 1} %}{{ d.get('a', 'none') }}{% for k, v in d.items() %}{{ k }}{{ v }}{% endfor %}", "noneb1"),
                Arguments.of("{{ {'a': [1, 'é', none, true]}|tojson }}", "{\"a\": [1, \"é\", null, true]}"),
                Arguments.of("{{ {'a': {'b': []}}|tojson(indent=2) }}", "{\n  \"a\": {\n    \"b\": []\n  }\n}"),
                Arguments.of("{% macro f(k) %}{% if k > 0 %}{{ k }}{{ f(k - 1) }}{% endif %}{% endmacro %}{{ f(3) }}", "321"),
                Arguments.of("{% for i in [1,2,3] %}{% if i == 2 %}{% break %}{% endif %}{{ i }}{% endfor %}", "1"),
                Arguments.of("{% filter upper %}ab{% endfilter %}{% generation %}c{% endgeneration %}", "ABc"),
                Arguments.of("{{ strftime_now is defined }}", "True"),
                Arguments.of("{% for k, v in {512: 1, 1024: 2, 0: 3} | dictsort %}{{ k }}={{ v }};{% endfor %}",
                        "0=3;512=1;1024=2;"),
                Arguments.of("{% for k, v in {'b': 1, 'A': 2} | dictsort %}{{ k }}{% endfor %}", "Ab"),
                Arguments.of("{{ none }}|{{ [true, none, 1.0] }}|{{ {'a': false} }}", "|[True, None, 1.0]|{'a': False}"),
                Arguments.of("{% for k, v in {'a': 1} | items %}{{ k }}{{ v }}{% endfor %}", "a1"),
                Arguments.of("{{ 'ab' is iterable }}{{ [1] is iterable }}{{ 1 is iterable }}", "TrueTrueFalse"),
                Arguments.of("{% for i in [1, 2, 3] %}{{ loop.previtem }}<{{ i }}>{{ loop.nextitem }};{% endfor %}",
                        "<1>2;1<2>3;2<3>;"),
                Arguments.of("{% for i in [1, 2] %}{% for j in 'ab' %}{{ loop.previtem }}{{ j }}{% endfor %}"
                        + "{{ loop.nextitem }}|{% endfor %}", "aab2|aab|"),
                Arguments.of("{% set n = -1 %}{% if not n == -1 %}a{% else %}b{% endif %}", "b"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void rendersAsJinja2(String template, String expected) {
        assertThat(render(template)).isEqualTo(expected);
    }
}
