package dev.cordon.policy.file;

import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Parse;
import org.snakeyaml.engine.v2.common.Anchor;
import org.snakeyaml.engine.v2.events.AliasEvent;
import org.snakeyaml.engine.v2.events.CollectionStartEvent;
import org.snakeyaml.engine.v2.events.Event;
import org.snakeyaml.engine.v2.events.ScalarEvent;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.nodes.Tag;
import org.snakeyaml.engine.v2.resolver.ScalarResolver;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One YAML document as the policy reader needs it: mappings, lists and scalars, each with the line
 * and column it starts at (1-based), and nothing more. Built from snakeyaml's event stream, so:
 * <ul>
 *   <li>it is small: snakeyaml's node tree keeps two marks per node and the read buffers they point
 *       into (about 40 MB for a file of 100k rules, against about 10 MB here), and collecting that
 *       was most of what loading a 100k-rule file cost;</li>
 *   <li>it is built without recursion: a file nested thousands of levels deep is read (and then
 *       refused by the reader for what it is), not a stack overflow.</li>
 * </ul>
 * Scalars are tagged as snakeyaml's composer tags them (the settings' schema), with one shortcut: a
 * scalar holding a {@code /} is a string without asking the schema's patterns, as no null, bool,
 * int, float or merge form holds one (a CIDR list is read without two regex matches per item; the
 * tests hold the tags to the composer's). Anchors, aliases and merge keys ({@code <<}) mean what
 * they mean there. An alias shares its node: nothing is copied.
 */
final class YamlTree {
    sealed interface Node permits Scalar, Sequence, Mapping {
        int line();

        int column();
    }

    record Scalar(String value, Tag tag, int line, int column) implements Node {}

    record Sequence(List<Node> items, int line, int column) implements Node {}

    record Mapping(List<Pair> pairs, int line, int column) implements Node {}

    record Pair(Node key, Node value) {}

    /** What the stream holds that snakeyaml reads but a document cannot mean. */
    static final class Malformed extends RuntimeException {
        final int line, column;

        Malformed(int line, int column, String message) {
            super(message);
            this.line = line;
            this.column = column;
        }
    }

    private YamlTree() {}

    /**
     * The stream's only document, or empty when it has none.
     *
     * @throws Malformed on a second document, an undefined or self-referencing alias, too many
     *                   aliases to collections, or a merge key without mappings
     * @throws org.snakeyaml.engine.v2.exceptions.YamlEngineException on what snakeyaml cannot parse
     */
    static Optional<Node> read(String text, LoadSettings settings) {
        Builder b = new Builder(settings);
        for (Event e : new Parse(settings).parseString(text)) b.accept(e);
        return Optional.ofNullable(b.root);
    }

    /** A collection whose end has not been read yet: its start, anchor and what it holds so far. */
    private record Open(int line, int column, Optional<Anchor> anchor, List<Node> items) {}

    private static final class Builder {
        private final ScalarResolver resolver;
        private final int maxCollectionAliases;
        private final Deque<Open> open = new ArrayDeque<>();
        private final Map<Anchor, Node> anchors = new HashMap<>();
        private final Set<Anchor> openAnchors = new HashSet<>();
        private int documents, collectionAliases;
        private Node root;

        Builder(LoadSettings settings) {
            this.resolver = settings.getSchema().getScalarResolver();
            this.maxCollectionAliases = settings.getMaxAliasesForCollections();
        }

        void accept(Event e) {
            switch (e.getEventId()) {
                case DocumentStart -> {
                    if (++documents > 1) {
                        throw malformed(e, "YAML syntax: expected a single document in the stream, but found another document");
                    }
                }
                case Scalar -> finish(((ScalarEvent) e).getAnchor(), scalar((ScalarEvent) e));
                case Alias -> add(alias((AliasEvent) e));
                case SequenceStart, MappingStart -> start((CollectionStartEvent) e);
                case SequenceEnd -> {
                    Open o = close();
                    finish(o.anchor(), new Sequence(o.items(), o.line(), o.column()));
                }
                case MappingEnd -> {
                    Open o = close();
                    finish(o.anchor(), mapping(o));
                }
                default -> { /* stream and document boundaries, comments */ }
            }
        }

        private Scalar scalar(ScalarEvent e) {
            Optional<String> explicit = e.getTag();
            Tag tag = explicit.isPresent() && !explicit.get().equals("!") ? new Tag(explicit.get())
                    : e.getValue().indexOf('/') >= 0 ? Tag.STR
                    : resolver.resolve(e.getValue(), e.getImplicit().canOmitTagInPlainScalar());
            return new Scalar(e.getValue(), tag, line(e), column(e));
        }

        private Node alias(AliasEvent e) {
            Anchor a = e.getAlias();
            if (openAnchors.contains(a)) throw malformed(e, "YAML: alias *" + a + " is inside the node it names");
            Node n = anchors.get(a);
            if (n == null) throw malformed(e, "YAML syntax: found undefined alias *" + a);
            if (!(n instanceof Scalar) && ++collectionAliases > maxCollectionAliases) {
                throw malformed(e, "YAML: more than " + maxCollectionAliases + " aliases to lists or mappings");
            }
            return n;
        }

        private void start(CollectionStartEvent e) {
            e.getAnchor().ifPresent(openAnchors::add);
            open.push(new Open(line(e), column(e), e.getAnchor(), new ArrayList<>()));
        }

        /** The innermost open collection, ended: its anchor may be aliased from now on. */
        private Open close() {
            Open o = open.pop();
            o.anchor().ifPresent(openAnchors::remove);
            return o;
        }

        /** A node complete: named by its anchor, if it has one, and added where it belongs. */
        private void finish(Optional<Anchor> anchor, Node n) {
            anchor.ifPresent(a -> anchors.put(a, n));
            add(n);
        }

        private void add(Node n) {
            if (open.isEmpty()) root = n;
            else open.peek().items().add(n);
        }

        /**
         * The mapping's pairs, merge keys resolved: a {@code <<} key's mapping (or each mapping of its
         * list, earlier ones first) adds the pairs whose keys the mapping has not got yet.
         */
        private static Mapping mapping(Open o) {
            List<Node> kv = o.items();
            List<Pair> pairs = new ArrayList<>(kv.size() / 2);
            List<Node> merges = new ArrayList<>();
            for (int i = 0; i + 1 < kv.size(); i += 2) {
                if (kv.get(i) instanceof Scalar k && Tag.MERGE.equals(k.tag())) merges.add(kv.get(i + 1));
                else pairs.add(new Pair(kv.get(i), kv.get(i + 1)));
            }
            if (!merges.isEmpty()) merge(pairs, merges);
            return new Mapping(pairs, o.line(), o.column());
        }

        private static void merge(List<Pair> pairs, List<Node> merges) {
            Set<Object> keys = new HashSet<>();
            for (Pair p : pairs) keys.add(identity(p.key()));
            for (Node m : merges) {
                List<Node> sources = m instanceof Sequence s ? s.items() : List.of(m);
                for (Node source : sources) {
                    if (!(source instanceof Mapping sm)) {
                        throw new Malformed(source.line(), source.column(),
                                "YAML: a merge key (<<) takes a mapping or a list of mappings");
                    }
                    for (Pair p : sm.pairs()) if (keys.add(identity(p.key()))) pairs.add(p);
                }
            }
        }

        /** Keys compare by their text when they are scalars, else by identity. */
        private static Object identity(Node key) {
            return key instanceof Scalar s ? s.value() : key;
        }

        private static Malformed malformed(Event e, String message) {
            return new Malformed(line(e), column(e), message);
        }

        private static int line(Event e) {
            return e.getStartMark().map(m -> m.getLine() + 1).orElse(1);
        }

        private static int column(Event e) {
            return e.getStartMark().map(Mark::getColumn).orElse(0) + 1;
        }
    }
}
