package dev.cordon.kernel;

import dev.cordon.sys.Elf;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether cordon can read script lines from a shell binary, and where in its memory: bash's
 * {@code line_number} ($LINENO), {@code running_trap} and {@code global_variables} (which hold
 * BASH_SOURCE and BASH_LINENO), found by their ELF symbols, and the layout of bash's arrays and the
 * first value of its string hash for its version.
 * Anything else is {@link Unreadable}, with the reason said to the user: a binary cordon does not
 * understand gives no line, never a wrong one.
 */
public sealed interface ShellBinary {
    Path path();

    /**
     * A bash whose lines can be read.
     *
     * @param probeOffset where to put the uprobe: shell_execve's offset in the file
     */
    record Readable(Path path, String version, long probeOffset, Layout layout) implements ShellBinary {}

    /** A shell cordon cannot read lines from; {@code why} completes "no script lines from PATH: ". */
    record Unreadable(Path path, String why) implements ShellBinary {}

    /**
     * struct cordon_shell_layout (bpf/script_lines.h): link-time addresses of bash's globals and
     * how to find BASH_SOURCE.
     */
    record Layout(long probeVaddr, long lineNumber, long runningTrap, long globalVariables, int sourceHash, int linenoHash,
                  int arrayHead) {}

    /** The function the uprobe goes on: bash calls it in the child, right before execve(), for every external command. */
    String PROBE = "shell_execve";

    /** The bash versions whose data structures script_lines.bpf.c reads: ARRAY's head offset and hash_string's first value. */
    Map<String, BashVersion> VERSIONS = Map.of(
            "4.3", new BashVersion(24, 0), "4.4", new BashVersion(24, 0),
            "5.0", new BashVersion(32, BashVersion.FNV_OFFSET), "5.1", new BashVersion(24, BashVersion.FNV_OFFSET),
            "5.2", new BashVersion(16, BashVersion.FNV_OFFSET), "5.3", new BashVersion(16, BashVersion.FNV_OFFSET));

    /**
     * What differs between the bash versions cordon reads: where ARRAY keeps its list head, and the
     * first value of hash_string (FNV-1 from 5.0; 0 before).
     */
    record BashVersion(int arrayHead, int hashStart) {
        static final int FNV_OFFSET = (int) 2166136261L;

        /** bash's hash_string(): the key's khash in its hash tables, and (masked) its bucket. */
        int hash(String s) {
            int h = hashStart;
            for (byte c : s.getBytes(StandardCharsets.US_ASCII)) {
                h *= 16777619;
                h ^= c;
            }
            return h;
        }
    }

    String FIRST = "4.3", LAST = "5.3";

    /** Examines the file (following symlinks); never throws for what the file is, only says why it is unreadable. */
    static ShellBinary examine(Path path) {
        try (Elf elf = Elf.read(path)) {
            return Bash.examine(elf);
        } catch (Elf.NotElfException e) {
            return new Unreadable(path, "it is " + e.getMessage());
        } catch (IOException | RuntimeException e) {
            return new Unreadable(path, "it cannot be read (" + e.getMessage() + ")");
        }
    }

    /** The bash-specific part of {@link #examine}. */
    final class Bash {
        private Bash() {}

        private static final String MARKER_TEXT = "@(#)Bash version ";
        private static final byte[] MARKER = MARKER_TEXT.getBytes(StandardCharsets.US_ASCII);
        private static final Pattern VERSION = Pattern.compile("(\\d+)\\.(\\d+)(\\.\\d+)?");
        /** Only array2.c (bash built with --enable-alt-array-implementation, another ARRAY layout) defines these. */
        private static final List<String> ALT_ARRAY = List.of("array_alloc", "array_resize");

        static ShellBinary examine(Elf elf) throws IOException {
            Path path = elf.path();
            int host = hostMachine();
            if (elf.machine() != host) return new Unreadable(path, "it is built for another CPU (ELF machine " + elf.machine() + ")");
            Optional<String> version = version(elf);
            if (version.isEmpty()) {
                return new Unreadable(path, elf.hasSections()
                        ? "cordon reads script lines from bash only, and this is not bash"
                        : "it has no section headers, so neither its version nor its symbols can be found");
            }
            Matcher m = VERSION.matcher(version.get());
            if (!m.lookingAt()) return new Unreadable(path, "its version \"" + version.get() + "\" is not one cordon can parse");
            String number = m.group();
            BashVersion v = VERSIONS.get(m.group(1) + "." + m.group(2));
            if (v == null) {
                return new Unreadable(path, "it is bash " + number + ", and cordon knows the memory layout of bash "
                        + FIRST + " to " + LAST + " only");
            }
            if (!elf.hasSymbols()) {
                return new Unreadable(path, "it is bash " + number + " without a symbol table (a static or fully "
                        + "stripped build, such as Debian's bash-static), so $LINENO cannot be found in it");
            }
            for (String alt : ALT_ARRAY) {
                if (elf.symbol(alt).isPresent()) {
                    return new Unreadable(path, "it is bash " + number + " built with another array implementation "
                            + "(--enable-alt-array-implementation)");
                }
            }
            Map<String, Elf.Symbol> found = new java.util.LinkedHashMap<>();
            List<String> missing = new java.util.ArrayList<>();
            for (var want : List.of(Map.entry(PROBE, Elf.STT_FUNC), Map.entry("line_number", Elf.STT_OBJECT),
                    Map.entry("running_trap", Elf.STT_OBJECT), Map.entry("global_variables", Elf.STT_OBJECT))) {
                Elf.Symbol s = symbol(elf, want.getKey(), want.getValue());
                if (s == null) missing.add(want.getKey());
                else found.put(want.getKey(), s);
            }
            if (!missing.isEmpty()) {
                return new Unreadable(path, "it is bash " + number + " without the symbol" + (missing.size() > 1 ? "s " : " ")
                        + String.join(", ", missing));
            }
            Elf.Symbol probe = found.get(PROBE);
            Optional<Long> offset = elf.fileOffset(probe.value());
            if (offset.isEmpty() || !elf.executable(probe.value())) {
                return new Unreadable(path, "its " + PROBE + " is not in an executable segment");
            }
            return new Readable(path, number, offset.get(), new Layout(probe.value(), found.get("line_number").value(),
                    found.get("running_trap").value(), found.get("global_variables").value(), v.hash("BASH_SOURCE"),
                    v.hash("BASH_LINENO"), v.arrayHead()));
        }

        /** A defined symbol of that type and a plausible size (an int is 4 bytes, a pointer 8), or null. */
        private static Elf.Symbol symbol(Elf elf, String name, int type) throws IOException {
            Elf.Symbol s = elf.symbol(name).orElse(null);
            if (s == null || s.type() != type || s.value() == 0) return null;
            if (type == Elf.STT_OBJECT && s.size() != 0 && s.size() != (name.equals("global_variables") ? 8 : 4)) return null;
            return s;
        }

        /**
         * "5.2.15(1) release GNU" from bash's sccs_version string: where the pointer of that name points
         * (GNU ld leaves a relocated pointer's link-time value in the file), else found in .rodata.
         */
        static Optional<String> version(Elf elf) throws IOException {
            Optional<Elf.Symbol> pointer = elf.symbol("sccs_version");
            Optional<Long> target = pointer.isPresent() ? elf.u64At(pointer.get().value()) : Optional.empty();
            Optional<String> text = target.isPresent() ? elf.stringAt(target.get(), MARKER.length + 64) : Optional.empty();
            if (text.isPresent() && text.get().startsWith(MARKER_TEXT)) return Optional.of(text.get().substring(MARKER_TEXT.length()));
            long at = elf.find(".rodata", MARKER);
            return at < 0 ? Optional.empty() : Optional.of(elf.stringAtOffset(at + MARKER.length, 64));
        }

        static int hostMachine() {
            return switch (System.getProperty("os.arch")) {
                case "aarch64", "arm64" -> Elf.EM_AARCH64;
                default -> Elf.EM_X86_64;
            };
        }
    }
}
