package io.flotilla.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.tag.Tag;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TagNode;

/** {@code {% filter name %}...{% endfilter %}}: applies a filter (without arguments) to the body. */
final class FilterBlockTag implements Tag {
    private static final long serialVersionUID = 1L;

    @Override
    public String getName() {
        return "filter";
    }

    @Override
    public String getEndTagName() {
        return "endfilter";
    }

    @Override
    public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
        StringBuilder body = new StringBuilder();
        for (Node child : tagNode.getChildren()) {
            body.append(child.render(interpreter).getValue());
        }
        String name = tagNode.getHelpers().strip();
        Filter filter = interpreter.getContext().getFilter(name);
        if (filter == null) {
            throw new IllegalArgumentException("unknown filter in {% filter " + name + " %}");
        }
        return String.valueOf(filter.filter(body.toString(), interpreter));
    }
}
