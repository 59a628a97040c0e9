package dev.cordon.otlp;

import dev.cordon.events.Fields;
import dev.cordon.events.ScriptLine;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;

import java.util.List;

/**
 * A record's {@link Fields} as log record attributes, under the events file's names: a field without a value
 * ({@code exe} cordon could not learn) is left out; a cgroup id past the signed 64-bit range is its decimal text; script
 * lines are their labels.
 */
final class LogAttributes implements Fields.Writer {
    private final AttributesBuilder b = Attributes.builder();
    private String type;

    @Override
    public void string(String name, String value) {
        if (value == null) return;
        if (name.equals(Fields.TYPE)) type = value;
        b.put(name, value);
    }

    @Override
    public void number(String name, long value) {
        b.put(name, value);
    }

    @Override
    public void unsigned(String name, long value) {
        if (value >= 0) b.put(name, value);
        else b.put(name, Long.toUnsignedString(value));
    }

    @Override
    public void bool(String name, boolean value) {
        b.put(name, value);
    }

    @Override
    public void strings(String name, List<String> values) {
        b.put(AttributeKey.stringArrayKey(name), values);
    }

    /** Attributes are flat: each script line as its label ({@code ./deploy.sh:9}, {@code ./deploy.sh:4 (ERR trap)}), outermost first. */
    @Override
    public void scriptLines(String name, List<ScriptLine> chain) {
        b.put(AttributeKey.stringArrayKey(name), chain.stream().map(ScriptLine::label).toList());
    }

    /** The record's {@code type} ({@code dns}, {@code connect}, ...). */
    String type() {
        return type;
    }

    Attributes build() {
        return b.build();
    }
}
