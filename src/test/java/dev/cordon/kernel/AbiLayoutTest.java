package dev.cordon.kernel;

import dev.cordon.libbpf.Btf;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static java.lang.foreign.MemoryLayout.paddingLayout;
import static java.lang.foreign.MemoryLayout.sequenceLayout;
import static java.lang.foreign.MemoryLayout.structLayout;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The C-to-Java drift check (after Tetragon's alignchecker): the BTF that clang wrote into
 * cordon.bpf.o is the truth about bpf/cordon.h; every struct and enum mirrored in {@link Abi}
 * must match it member for member. Reading BTF from a file needs libbpf but no privileges.
 */
class AbiLayoutTest {
    private static Btf btf;

    /** The object Maven built in generate-resources; missing is a failure, never a skip. */
    static Path bpfObject() {
        return bpfObject("cordon.bpf.o");
    }

    static Path bpfObject(String name) {
        URL url = Abi.class.getResource(name);
        if (url == null) {
            fail("dev/cordon/kernel/" + name + " is not on the test classpath: bpf/build.sh did not run or failed "
                    + "(it runs in Maven's generate-resources phase; check clang and libbpf-dev, or run bin/setup)");
        }
        try {
            Path p = Path.of(url.toURI());
            assertThat(p).as("compiled BPF object").isRegularFile();
            return p;
        } catch (URISyntaxException e) {
            throw new AssertionError("cannot locate " + url, e);
        }
    }

    static synchronized Btf btf() {
        if (btf == null) btf = Btf.parseElf(bpfObject());
        return btf;
    }

    private static Btf scriptLinesBtf;

    static synchronized Btf scriptLinesBtf() {
        if (scriptLinesBtf == null) scriptLinesBtf = Btf.parseElf(bpfObject("script_lines.bpf.o"));
        return scriptLinesBtf;
    }

    @AfterAll
    static void close() {
        if (btf != null) btf.close();
        if (scriptLinesBtf != null) scriptLinesBtf.close();
    }

    private static Btf.Struct cStruct(String name) {
        return btf().struct(name).orElseThrow(() -> new AssertionError("struct " + name + " is not in the BTF of " + bpfObject()));
    }

    // --- the real check

    @Test
    void everyJavaMirrorMatchesTheCompiledObject() {
        assertThat(AbiDiff.diffAll(btf(), Abi.STRUCTS, Abi.ENUMS))
                .as("bpf/cordon.h and dev.cordon.kernel.Abi disagree; fix the side that is wrong")
                .isEmpty();
    }

    @Test
    void everythingIsActuallyCompared() {
        // guards against a vacuous pass: the BTF has real members and values for what Abi mirrors
        assertThat(Abi.STRUCTS).containsKeys("cordon_config", "cordon_lpm_v4", "cordon_lpm_v6", "cordon_rule", "cordon_port_range",
                "cordon_event_header", "cordon_net_event", "cordon_exec_event");
        assertThat(Abi.ENUMS).containsKeys("cordon_mode", "cordon_action", "cordon_verdict", "cordon_event_kind",
                "cordon_rule_special", "cordon_exe_flag");
        for (String s : Abi.STRUCTS.keySet()) assertThat(cStruct(s).members()).as(s).isNotEmpty();
        for (String e : Abi.ENUMS.keySet()) assertThat(btf().enumValues(e)).as(e).get().asInstanceOf(
                org.assertj.core.api.InstanceOfAssertFactories.MAP).isNotEmpty();
        // spot values straight from bpf/cordon.h, so a wrong BTF reader cannot agree with Abi by accident
        assertThat(cStruct("cordon_net_event").size()).isEqualTo(88);
        // 4 words, then CORDON_PORT_RANGES (8) ranges of 12 bytes: Abi.PORT_RANGES must match the header's array
        assertThat(cStruct("cordon_port_range").size()).isEqualTo(12);
        assertThat(cStruct("cordon_rule").size()).isEqualTo(16 + 8 * 12).isEqualTo(16 + Abi.PORT_RANGES * 12);
        assertThat(cStruct("cordon_rule").members().get(4)).isEqualTo(new Btf.Member("ranges", 16, 96));
        assertThat(btf().enumValues("cordon_action")).get()
                .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.map(String.class, Long.class))
                .containsEntry("CORDON_ACTION_NONE", 2L);
        // header (48), ppid and args_len, CORDON_ARGS_LEN (512), four 32-bit words, exe and script of CORDON_PATH_LEN each
        assertThat(cStruct("cordon_exec_event").size()).isEqualTo(48 + 8 + 512 + 16 + 2 * 256)
                .isEqualTo(48 + 8 + Abi.ARGS_LEN + 16 + 2 * Abi.PATH_LEN);
        assertThat(cStruct("cordon_exec_event").members()).extracting(Btf.Member::name).containsExactly(
                "hdr", "ppid", "args_len", "args", "exe_len", "exe_flags", "script_len", "_pad", "exe", "script");
        assertThat(cStruct("cordon_exec_event").members().get(8)).isEqualTo(new Btf.Member("exe", 584, 256));
        assertThat(btf().enumValues("cordon_exe_flag")).get()
                .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.map(String.class, Long.class))
                .containsExactly(java.util.Map.entry("CORDON_EXE_TRUNCATED", 1L), java.util.Map.entry("CORDON_EXE_UNLINKED", 2L),
                        java.util.Map.entry("CORDON_EXE_UNREAD", 4L));
        // header (48), six 32-bit words, CORDON_PATH_LEN (256) bytes: Abi.PATH_LEN must match the header's array
        assertThat(cStruct("cordon_exec_denied_event").size()).isEqualTo(48 + 24 + 256).isEqualTo(48 + 24 + Abi.PATH_LEN);
        assertThat(cStruct("cordon_net_event").members()).extracting(Btf.Member::name).containsExactly(
                "hdr", "verdict", "rule_id", "family", "protocol", "port", "mapped_v4", "_pad", "addr", "cookie");
        assertThat(cStruct("cordon_net_event").members().get(8)).isEqualTo(new Btf.Member("addr", 64, 16));
        assertThat(btf().enumValues("cordon_rule_special")).get()
                .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.map(String.class, Long.class))
                .containsEntry("CORDON_RULE_DEFAULT", 0xffffffffL).containsEntry("CORDON_RULE_LEARNED", 0xfffffffeL);
        // the first-bytes check: header (48), 40 bytes of fields and address, CORDON_NAME_LEN (256) of name
        assertThat(cStruct("cordon_name_event").size()).isEqualTo(48 + 40 + 256).isEqualTo(48 + 40 + Abi.NAME_LEN);
        assertThat(cStruct("cordon_name_key").size()).isEqualTo(4 + Abi.NAME_LEN);
        assertThat(cStruct("cordon_name_rule").size()).isEqualTo(32);
    }

    @Test
    void theScriptLinesObjectMatchesItsMirrorAndSharesTheEventKinds() {
        Map<String, Map<String, Long>> enums = new LinkedHashMap<>(Abi.SCRIPT_LINES_ENUMS);
        enums.put("cordon_event_kind", Abi.ENUMS.get("cordon_event_kind")); // its events go into the session's ring buffer
        Map<String, java.lang.foreign.StructLayout> structs = new LinkedHashMap<>(Abi.SCRIPT_LINES_STRUCTS);
        structs.put("cordon_event_header", Abi.EVENT_HEADER);
        assertThat(AbiDiff.diffAll(scriptLinesBtf(), structs, enums))
                .as("bpf/script_lines.h and dev.cordon.kernel.Abi disagree; fix the side that is wrong")
                .isEmpty();
        // spot sizes from the header: four u64 and four u32; a frame is 12 bytes of BASH_LINENO, a u32, CORDON_PATH_LEN
        // bytes; the event the header (48), four 32-bit words and CORDON_SCRIPT_FRAMES frames
        assertThat(scriptLinesBtf().struct("cordon_shell_layout").orElseThrow().size()).isEqualTo(48);
        assertThat(scriptLinesBtf().struct("cordon_script_frame").orElseThrow().size()).isEqualTo(12 + 4 + 256);
        assertThat(scriptLinesBtf().struct("cordon_script_line_event").orElseThrow().size()).isEqualTo(48 + 16 + 8 * 272)
                .isEqualTo(48 + 16 + Abi.SCRIPT_FRAMES * (Abi.SCRIPT_LINENO_LEN + 4 + Abi.PATH_LEN));
        assertThat(scriptLinesBtf().enumValues("cordon_event_kind")).get()
                .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.map(String.class, Long.class))
                .containsEntry("CORDON_EVENT_SCRIPT_LINE", 8L);
    }

    @Test
    void everyStructAndEnumOfTheScriptLinesHeaderIsMirrored() throws IOException {
        Path header = Path.of(System.getProperty("cordon.bpf.source", "bpf"), "script_lines.h");
        assertThat(header).as("bpf/script_lines.h (system property cordon.bpf.source)").isRegularFile();
        String text = Files.readString(header);
        assertThat(declared(text, "struct")).isEqualTo(new TreeSet<>(Abi.SCRIPT_LINES_STRUCTS.keySet()));
        assertThat(declared(text, "enum")).isEqualTo(new TreeSet<>(Abi.SCRIPT_LINES_ENUMS.keySet()));
    }

    @Test
    void everyStructAndEnumOfTheHeaderIsMirrored() throws IOException {
        String dir = System.getProperty("cordon.bpf.source", "bpf");
        Path header = Path.of(dir, "cordon.h");
        assertThat(header).as("bpf/cordon.h (system property cordon.bpf.source)").isRegularFile();
        String text = Files.readString(header);
        assertThat(declared(text, "struct")).as("structs in cordon.h vs Abi.STRUCTS")
                .isEqualTo(new TreeSet<>(Abi.STRUCTS.keySet()));
        assertThat(declared(text, "enum")).as("enums in cordon.h vs Abi.ENUMS")
                .isEqualTo(new TreeSet<>(Abi.ENUMS.keySet()));
    }

    private static TreeSet<String> declared(String header, String keyword) {
        TreeSet<String> out = new TreeSet<>();
        Matcher m = Pattern.compile("(?m)^\\s*" + keyword + "\\s+(\\w+)\\s*\\{").matcher(header);
        while (m.find()) out.add(m.group(1));
        return out;
    }

    // --- the checker itself can fail

    @Test
    void reportsSwappedAndResizedMembersOfADriftedLayout() {
        // cordon_net_event as someone might get it wrong: protocol/port swapped, mapped_v4 widened, addr cut to 4 bytes
        StructLayout drifted = structLayout(
                Abi.EVENT_HEADER.withName("hdr"),
                JAVA_INT.withName("verdict"),
                JAVA_INT.withName("rule_id"),
                JAVA_SHORT.withName("family"),
                JAVA_SHORT.withName("port"),
                JAVA_SHORT.withName("protocol"),
                JAVA_SHORT.withName("mapped_v4"),
                sequenceLayout(4, JAVA_BYTE).withName("addr"));
        List<String> d = AbiDiff.diff(cStruct("cordon_net_event"), drifted);
        assertThat(d).contains(
                "struct cordon_net_event: size is 88 bytes in C but 68 in Java",
                "struct cordon_net_event: member #4 is 'protocol' in C but 'port' in Java",
                "struct cordon_net_event: member #5 is 'port' in C but 'protocol' in Java",
                "struct cordon_net_event.mapped_v4: size is 1 in C but 2 in Java");
        assertThat(d).anyMatch(s -> s.contains("10 members in C") && s.contains("8 in Java"));
        assertThat(d).anyMatch(s -> s.contains("'addr'") && s.contains("exists only in C"));
    }

    @Test
    void reportsAShiftedOffset() {
        // same names and sizes, but an inserted padding moves everything after 'tgid'
        StructLayout drifted = structLayout(
                JAVA_INT.withName("kind"),
                JAVA_INT.withName("tgid"),
                paddingLayout(8),
                JAVA_INT.withName("pid"),
                JAVA_INT.withName("_pad"),
                java.lang.foreign.ValueLayout.JAVA_LONG.withName("ts_ns"),
                java.lang.foreign.ValueLayout.JAVA_LONG.withName("cgroup_id"),
                sequenceLayout(16, JAVA_BYTE).withName("comm"));
        assertThat(AbiDiff.diff(cStruct("cordon_event_header"), drifted)).contains(
                "struct cordon_event_header: size is 48 bytes in C but 56 in Java",
                "struct cordon_event_header.pid: offset is 8 in C but 16 in Java",
                "struct cordon_event_header.comm: offset is 32 in C but 40 in Java");
    }

    @Test
    void reportsAMissingMemberAndAWrongNestedStruct() {
        StructLayout noDefault = structLayout(JAVA_INT.withName("mode"), paddingLayout(4));
        assertThat(AbiDiff.diff(cStruct("cordon_config"), noDefault))
                .contains("struct cordon_config: member #1 'default_action' at offset 4 (4 bytes) exists only in C");

        StructLayout shortHeader = structLayout(
                structLayout(JAVA_INT.withName("kind"), paddingLayout(40)).withName("hdr"),
                JAVA_INT.withName("ppid"), JAVA_INT.withName("args_len"),
                sequenceLayout(512, JAVA_BYTE).withName("args"));
        assertThat(AbiDiff.diff(cStruct("cordon_exec_event"), shortHeader)).contains(
                "struct cordon_exec_event.hdr: size is 48 in C but 44 in Java",
                "struct cordon_exec_event.ppid: offset is 48 in C but 44 in Java");
    }

    @Test
    void identicalLayoutsHaveNoDifferences() {
        Btf.Struct c = new Btf.Struct("pair", 8, List.of(new Btf.Member("a", 0, 4), new Btf.Member("b", 4, 4)));
        assertThat(AbiDiff.diff(c, structLayout(JAVA_INT.withName("a"), JAVA_INT.withName("b")))).isEmpty();
        assertThat(AbiDiff.diff(c, structLayout(JAVA_INT.withName("a"), JAVA_INT))).containsExactly(
                "struct pair: member #1 is 'b' in C but '<unnamed>' in Java");
    }

    @Test
    void reportsEnumDrift() {
        Map<String, Long> c = btf().enumValues("cordon_verdict").orElseThrow();
        Map<String, Long> wrongValue = new LinkedHashMap<>(Abi.ENUMS.get("cordon_verdict"));
        wrongValue.put("CORDON_VERDICT_AUDITED", 3L);
        assertThat(AbiDiff.diffEnum("cordon_verdict", c, wrongValue))
                .containsExactly("enum cordon_verdict: CORDON_VERDICT_AUDITED is 2 in C but 3 in Java");

        Map<String, Long> missingAndExtra = new LinkedHashMap<>();
        missingAndExtra.put("CORDON_VERDICT_ALLOWED", 0L);
        missingAndExtra.put("CORDON_VERDICT_BLOCKED", 1L);
        missingAndExtra.put("CORDON_VERDICT_DROPPED", 2L);
        missingAndExtra.put("CORDON_VERDICT_OUTAGE", 3L);
        assertThat(AbiDiff.diffEnum("cordon_verdict", c, missingAndExtra)).containsExactly(
                "enum cordon_verdict: CORDON_VERDICT_AUDITED = 2 is missing in Java",
                "enum cordon_verdict: CORDON_VERDICT_DROPPED = 2 exists only in Java");

        Map<String, Long> reordered = new LinkedHashMap<>();
        reordered.put("CORDON_VERDICT_BLOCKED", 1L);
        reordered.put("CORDON_VERDICT_ALLOWED", 0L);
        reordered.put("CORDON_VERDICT_AUDITED", 2L);
        reordered.put("CORDON_VERDICT_OUTAGE", 3L);
        assertThat(AbiDiff.diffEnum("cordon_verdict", c, reordered)).singleElement().asString().contains("in order");
    }

    @Test
    void reportsTypesMissingFromTheObject() {
        StructLayout ghost = structLayout(JAVA_INT.withName("x")).withName("cordon_ghost");
        assertThat(AbiDiff.diffAll(btf(), Map.of("cordon_ghost", ghost), Map.of("cordon_ghost_enum", Map.of("X", 1L))))
                .containsExactly(
                        "struct cordon_ghost is mirrored in Java but not in the object's BTF",
                        "enum cordon_ghost_enum is mirrored in Java but not in the object's BTF");
    }

    @Test
    void paddingOnlyMovesTheOffset() {
        Btf.Struct c = new Btf.Struct("gap", 8, List.of(new Btf.Member("a", 0, 2), new Btf.Member("b", 4, 4)));
        MemoryLayout ok = structLayout(JAVA_SHORT.withName("a"), paddingLayout(2), JAVA_INT.withName("b"));
        assertThat(AbiDiff.diff(c, (StructLayout) ok)).isEmpty();
    }
}
