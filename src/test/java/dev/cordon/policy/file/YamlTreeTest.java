package dev.cordon.policy.file;

import dev.cordon.policy.file.YamlTree.Mapping;
import dev.cordon.policy.file.YamlTree.Node;
import dev.cordon.policy.file.YamlTree.Scalar;
import dev.cordon.policy.file.YamlTree.Sequence;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.schema.CoreSchema;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class YamlTreeTest {
    private static final LoadSettings SETTINGS = LoadSettings.builder().setSchema(new CoreSchema())
            .setAllowDuplicateKeys(true).build();

    private static Node read(String yaml) {
        return YamlTree.read(yaml, SETTINGS).orElseThrow();
    }

    /** The tree's shape, values, tags and positions, written out the same way for both trees. */
    private static String show(Node n) {
        String at = "@" + n.line() + ":" + n.column();
        return switch (n) {
            case Scalar s -> s.tag().getValue() + "(" + s.value() + ")" + at;
            case Sequence q -> q.items().stream().map(YamlTreeTest::show).toList() + at;
            case Mapping m -> m.pairs().stream().map(p -> show(p.key()) + "=" + show(p.value())).toList() + at;
        };
    }

    private static String show(org.snakeyaml.engine.v2.nodes.Node n) {
        var mark = n.getStartMark().orElseThrow();
        String at = "@" + (mark.getLine() + 1) + ":" + (mark.getColumn() + 1);
        return switch (n) {
            case ScalarNode s -> s.getTag().getValue() + "(" + s.getValue() + ")" + at;
            case SequenceNode q -> q.getValue().stream().map(YamlTreeTest::show).toList() + at;
            case MappingNode m -> m.getValue().stream().map((NodeTuple t) -> show(t.getKeyNode()) + "=" + show(t.getValueNode()))
                    .toList() + at;
            default -> throw new IllegalArgumentException(n.toString());
        };
    }

    @Test
    void readsWhatSnakeyamlsComposerReadsWithTheSameTagsAndPositions() {
        List<String> documents = List.of("""
                        version: 1   # a comment
                        mode: enforce
                        dns: {upstreams: [127.0.0.1:5353, "[::1]:53"], upstreamTimeoutMs: 1500, blockPrivateAnswers: yes}
                        allow:
                          domains:
                            - github.com
                            - "*.githubusercontent.com"
                            - 'quoted'
                            - !!str 42
                            - ! 42
                            - |
                              literal
                          cidrs:
                            - cidr: 192.0.2.0/24
                              ports: [443, "8000-8100", 1.5, ~, null, true, 0x1F]
                        deny: ~
                        """,
                "[a, [b, [c, {d: e}]]]",
                "[10.0.0.0/8, 1/2, -1/2, 0x1F/2, .inf/1, null/x, true/false, ~/x, <</x, '${A}', $A/x, 1, 1.5, 0o17, ~, '', "
                        + "NULL, False, .NaN, -.inf, <<, 2001:db8::/32, \"a/b\", !!int 7, ! x/y]",
                "plain scalar",
                "base: &b {x: 1, y: 2}\nuse: *b\nalso: &s text\nagain: *s\n",
                "base: &b {x: 1, y: 2}\nmore: &m {z: 3, x: 9}\nuse:\n  <<: [*b, *m]\n  y: 7\n",
                "dup: 1\ndup: 2\n");
        for (String yaml : documents) {
            org.snakeyaml.engine.v2.nodes.Node composed = new Compose(SETTINGS).composeString(yaml).orElseThrow();
            assertThat(show(read(yaml))).as(yaml).isEqualTo(show(composed));
        }
    }

    @Test
    void mergeKeysAddOnlyTheKeysTheMappingHasNotGot() {
        Mapping use = (Mapping) ((Mapping) read("a: &a {x: 1, y: 2}\nb: &b {y: 3, z: 4}\nuse: {<<: [*a, *b], x: 0}\n"))
                .pairs().get(2).value();
        assertThat(use.pairs().stream().map(p -> ((Scalar) p.key()).value() + "=" + ((Scalar) p.value()).value()))
                .containsExactly("x=0", "y=2", "z=4");
    }

    @Test
    void aliasesShareTheirNodeInsteadOfCopyingIt() {
        Mapping m = (Mapping) read("a: &list [x, y]\nb: *list\n");
        assertThat(m.pairs().get(1).value()).isSameAs(m.pairs().get(0).value());
    }

    @Test
    void aFileNestedThousandsOfLevelsDeepIsReadWithoutOverflowingTheStack() {
        int depth = 10_000;
        Node n = read("x: " + "[".repeat(depth) + "]".repeat(depth));
        for (int i = 0; i < depth - 1; i++) n = i == 0 ? ((Mapping) n).pairs().getFirst().value() : ((Sequence) n).items().getFirst();
        assertThat(((Sequence) n).items()).hasSize(1);
    }

    @Test
    void whatADocumentCannotMeanIsRefusedWithItsPosition() {
        assertMalformed("a: 1\n---\nb: 2\n", 2, 1, "expected a single document");
        assertMalformed("a: *nowhere\n", 1, 4, "undefined alias *nowhere");
        assertMalformed("a: &self [x, *self]\n", 1, 14, "inside the node it names");
        assertMalformed("a: {<<: plain}\n", 1, 9, "merge key (<<) takes a mapping");
        StringBuilder many = new StringBuilder("l: &l [x]\nuse:\n");
        for (int i = 0; i <= SETTINGS.getMaxAliasesForCollections(); i++) many.append("  - *l\n");
        assertMalformed(many.toString(), 3 + SETTINGS.getMaxAliasesForCollections(), 5, "more than "
                + SETTINGS.getMaxAliasesForCollections() + " aliases");
    }

    @Test
    void anEmptyStreamHasNoDocument() {
        assertThat(YamlTree.read("", SETTINGS)).isEmpty();
        assertThat(YamlTree.read("# only a comment\n", SETTINGS)).isEmpty();
    }

    private static void assertMalformed(String yaml, int line, int column, String message) {
        assertThatThrownBy(() -> YamlTree.read(yaml, SETTINGS)).as(yaml).isInstanceOfSatisfying(YamlTree.Malformed.class, e -> {
            assertThat(e.getMessage()).contains(message);
            assertThat(e.line + ":" + e.column).isEqualTo(line + ":" + column);
        });
    }
}
