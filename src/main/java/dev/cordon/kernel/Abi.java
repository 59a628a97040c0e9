package dev.cordon.kernel;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.util.LinkedHashMap;
import java.util.Map;

import static java.lang.foreign.MemoryLayout.sequenceLayout;
import static java.lang.foreign.MemoryLayout.structLayout;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The Java mirror of bpf/cordon.h and bpf/script_lines.h. AbiLayoutTest compares every struct and
 * enum here with the BTF of the compiled objects, so a change on one side without the other fails
 * the build.
 */
public final class Abi {
    private Abi() {}

    public static final int COMM_LEN = 16;
    public static final int ARGS_LEN = 512;
    public static final int PORT_RANGES = 8;
    public static final int PATH_LEN = 256;
    /** CORDON_NAME_LEN: a name read from a connection's first bytes, and the name table's key. */
    public static final int NAME_LEN = 256;
    // enum cordon_exe_flag: bits of cordon_exec_event.exe_flags
    public static final int EXE_TRUNCATED = 1;
    public static final int EXE_UNLINKED = 2;
    public static final int EXE_UNREAD = 4;

    // enum cordon_mode
    public static final int MODE_ENFORCE = 0;
    public static final int MODE_AUDIT = 1;
    // enum cordon_action
    public static final int ACTION_ALLOW = 0;
    public static final int ACTION_DENY = 1;
    public static final int ACTION_NONE = 2;
    // enum cordon_verdict
    public static final int VERDICT_ALLOWED = 0;
    public static final int VERDICT_BLOCKED = 1;
    public static final int VERDICT_AUDITED = 2;
    public static final int VERDICT_OUTAGE = 3;
    // enum cordon_outage_style
    public static final int OUTAGE_NONE = 0;
    public static final int OUTAGE_TIMEOUT = 1;
    public static final int OUTAGE_SERVFAIL = 2;
    public static final int OUTAGE_REFUSE = 3;
    // enum cordon_event_kind
    public static final int EVENT_CONNECT = 1;
    public static final int EVENT_SENDMSG = 2;
    public static final int EVENT_EXEC = 3;
    public static final int EVENT_SOCKET = 4;
    public static final int EVENT_EXIT = 5;
    public static final int EVENT_OUTAGE_END = 6;
    public static final int EVENT_EXEC_DENIED = 7;
    public static final int EVENT_SCRIPT_LINE = 8;
    public static final int EVENT_NAME = 9;
    // enum cordon_rule_special
    public static final int RULE_DEFAULT = 0xffffffff;
    public static final int RULE_LEARNED = 0xfffffffe;
    public static final int RULE_RAW_SOCKET = 0xfffffffd;
    public static final int RULE_OUTAGE_REFUSED = 0xfffffffc;
    public static final int RULE_OUTAGE_DROPPED = 0xfffffffb;
    public static final int RULE_PACKET_SOCKET = 0xfffffffa;
    public static final int RULE_UNREADABLE = 0xfffffff9;
    public static final int RULE_TCP_FASTOPEN = 0xfffffff8;
    public static final int RULE_UNWATCHED = 0xfffffff7;
    // enum cordon_name_source
    public static final int NAME_NONE = 0;
    public static final int NAME_TLS_SNI = 1;
    public static final int NAME_HTTP_HOST = 2;
    // enum cordon_name_flag
    public static final int NAME_ECH = 1;
    // enum cordon_dns_proto
    public static final int DNS_UDP = 17;
    public static final int DNS_TCP = 6;
    /** enum cordon_policy_layout: the policy's generations, and where a rule id keeps its generation. */
    public static final int POLICY_GENERATIONS = 2;
    public static final int RULE_GENERATION_SHIFT = 30;
    /** enum cordon_table_size: learned addresses per family (the maps' max_entries). */
    public static final int LEARNED_MAX = 131_072;
    /** enum cordon_table_size: entries of one generation's name table. */
    public static final int NAME_SUFFIXES_MAX = 262_144;

    public static final StructLayout CONFIG = structLayout(
            JAVA_INT.withName("mode"),
            JAVA_INT.withName("default_action")).withName("cordon_config");

    public static final StructLayout LPM_V4 = structLayout(
            JAVA_INT.withName("prefixlen"),
            sequenceLayout(4, JAVA_BYTE).withName("addr")).withName("cordon_lpm_v4");

    public static final StructLayout LPM_V6 = structLayout(
            JAVA_INT.withName("prefixlen"),
            sequenceLayout(16, JAVA_BYTE).withName("addr")).withName("cordon_lpm_v6");

    public static final StructLayout PORT_RANGE = structLayout(
            JAVA_SHORT.withName("lo"),
            JAVA_SHORT.withName("hi"),
            JAVA_INT.withName("action"),
            JAVA_INT.withName("rule_id")).withName("cordon_port_range");

    public static final StructLayout RULE = structLayout(
            JAVA_INT.withName("action"),
            JAVA_INT.withName("rule_id"),
            JAVA_INT.withName("nranges"),
            JAVA_INT.withName("_pad"),
            sequenceLayout(PORT_RANGES, PORT_RANGE).withName("ranges")).withName("cordon_rule");

    public static final StructLayout LEARNED = structLayout(
            JAVA_LONG.withName("allow_until_ns"),
            JAVA_LONG.withName("deny_until_ns"),
            JAVA_LONG.withName("outage_until_ns")).withName("cordon_learned");

    public static final StructLayout IP4 = structLayout(
            sequenceLayout(4, JAVA_BYTE).withName("addr")).withName("cordon_ip4");

    public static final StructLayout IP6 = structLayout(
            sequenceLayout(16, JAVA_BYTE).withName("addr")).withName("cordon_ip6");

    public static final StructLayout DNS_SERVER = structLayout(
            sequenceLayout(16, JAVA_BYTE).withName("addr"),
            JAVA_SHORT.withName("port"),
            JAVA_SHORT.withName("family")).withName("cordon_dns_server");

    public static final StructLayout DNS_ORIG = structLayout(
            sequenceLayout(16, JAVA_BYTE).withName("addr"),
            JAVA_SHORT.withName("port"),
            JAVA_SHORT.withName("family"),
            JAVA_INT.withName("_pad")).withName("cordon_dns_orig");

    public static final StructLayout DNS_OWNER = structLayout(
            JAVA_INT.withName("tgid"),
            JAVA_INT.withName("pid"),
            JAVA_LONG.withName("ts_ns"),
            JAVA_LONG.withName("cgroup_id"),
            sequenceLayout(COMM_LEN, JAVA_BYTE).withName("comm")).withName("cordon_dns_owner");

    public static final StructLayout DNS_QUERY_KEY = structLayout(
            JAVA_SHORT.withName("sport"),
            JAVA_SHORT.withName("txid"),
            JAVA_INT.withName("proto")).withName("cordon_dns_query_key");

    public static final StructLayout EVENT_HEADER = structLayout(
            JAVA_INT.withName("kind"),
            JAVA_INT.withName("tgid"),
            JAVA_INT.withName("pid"),
            JAVA_INT.withName("_pad"),
            JAVA_LONG.withName("ts_ns"),
            JAVA_LONG.withName("cgroup_id"),
            sequenceLayout(COMM_LEN, JAVA_BYTE).withName("comm")).withName("cordon_event_header");

    public static final StructLayout NET_EVENT = structLayout(
            EVENT_HEADER.withName("hdr"),
            JAVA_INT.withName("verdict"),
            JAVA_INT.withName("rule_id"),
            JAVA_SHORT.withName("family"),
            JAVA_SHORT.withName("protocol"),
            JAVA_SHORT.withName("port"),
            JAVA_BYTE.withName("mapped_v4"),
            JAVA_BYTE.withName("_pad"),
            sequenceLayout(16, JAVA_BYTE).withName("addr"),
            JAVA_LONG.withName("cookie")).withName("cordon_net_event");

    public static final StructLayout SOCKET_EVENT = structLayout(
            EVENT_HEADER.withName("hdr"),
            JAVA_INT.withName("verdict"),
            JAVA_INT.withName("rule_id"),
            JAVA_SHORT.withName("family"),
            JAVA_SHORT.withName("type"),
            JAVA_INT.withName("protocol"),
            JAVA_INT.withName("ret"),
            JAVA_INT.withName("_pad")).withName("cordon_socket_event");

    public static final StructLayout EXEC_EVENT = structLayout(
            EVENT_HEADER.withName("hdr"),
            JAVA_INT.withName("ppid"),
            JAVA_INT.withName("args_len"),
            sequenceLayout(ARGS_LEN, JAVA_BYTE).withName("args"),
            JAVA_INT.withName("exe_len"),
            JAVA_INT.withName("exe_flags"),
            JAVA_INT.withName("script_len"),
            JAVA_INT.withName("_pad"),
            sequenceLayout(PATH_LEN, JAVA_BYTE).withName("exe"),
            sequenceLayout(PATH_LEN, JAVA_BYTE).withName("script")).withName("cordon_exec_event");

    public static final StructLayout EXEC_DENIED_EVENT = structLayout(
            EVENT_HEADER.withName("hdr"),
            JAVA_INT.withName("ppid"),
            JAVA_INT.withName("ret"),
            JAVA_INT.withName("dirfd"),
            JAVA_INT.withName("flags"),
            JAVA_INT.withName("path_len"),
            JAVA_INT.withName("_pad"),
            sequenceLayout(PATH_LEN, JAVA_BYTE).withName("path")).withName("cordon_exec_denied_event");

    public static final StructLayout EXIT_EVENT = structLayout(
            EVENT_HEADER.withName("hdr"),
            JAVA_INT.withName("ppid"),
            JAVA_INT.withName("exit_code")).withName("cordon_exit_event");

    public static final StructLayout OUTAGE_END_EVENT = structLayout(
            EVENT_HEADER.withName("hdr"),
            JAVA_LONG.withName("cookie"),
            JAVA_LONG.withName("start_ns")).withName("cordon_outage_end_event");

    public static final StructLayout NAME_KEY = structLayout(
            JAVA_INT.withName("len"),
            sequenceLayout(NAME_LEN, JAVA_BYTE).withName("name")).withName("cordon_name_key");

    public static final StructLayout NAME_RULE = structLayout(
            JAVA_INT.withName("len"),
            JAVA_INT.withName("action"),
            JAVA_INT.withName("rule_id"),
            JAVA_INT.withName("below_action"),
            JAVA_INT.withName("below_rule_id"),
            JAVA_INT.withName("outage_id"),
            JAVA_INT.withName("below_outage_id"),
            JAVA_INT.withName("_pad")).withName("cordon_name_rule");

    public static final StructLayout NAME_EVENT = structLayout(
            EVENT_HEADER.withName("hdr"),
            JAVA_INT.withName("verdict"),
            JAVA_INT.withName("rule_id"),
            JAVA_SHORT.withName("family"),
            JAVA_SHORT.withName("port"),
            JAVA_SHORT.withName("name_len"),
            JAVA_BYTE.withName("source"),
            JAVA_BYTE.withName("flags"),
            JAVA_BYTE.withName("mapped_v4"),
            sequenceLayout(7, JAVA_BYTE).withName("_pad"),
            sequenceLayout(16, JAVA_BYTE).withName("addr"),
            sequenceLayout(NAME_LEN, JAVA_BYTE).withName("name")).withName("cordon_name_event");

    /** Every mirrored struct, by its C name. */
    public static final Map<String, StructLayout> STRUCTS = byName(CONFIG, LPM_V4, LPM_V6, PORT_RANGE, RULE, LEARNED, IP4, IP6,
            DNS_SERVER, DNS_ORIG, DNS_OWNER, DNS_QUERY_KEY, EVENT_HEADER, NET_EVENT, SOCKET_EVENT, EXEC_EVENT, EXEC_DENIED_EVENT,
            EXIT_EVENT, OUTAGE_END_EVENT, NAME_KEY, NAME_RULE, NAME_EVENT);

    /** Every mirrored enum, by its C name: constant name to value. */
    public static final Map<String, Map<String, Long>> ENUMS = Map.ofEntries(
            Map.entry("cordon_mode", ordered("CORDON_MODE_ENFORCE", MODE_ENFORCE, "CORDON_MODE_AUDIT", MODE_AUDIT)),
            Map.entry("cordon_action", ordered("CORDON_ACTION_ALLOW", ACTION_ALLOW, "CORDON_ACTION_DENY", ACTION_DENY,
                    "CORDON_ACTION_NONE", ACTION_NONE)),
            Map.entry("cordon_verdict", ordered("CORDON_VERDICT_ALLOWED", VERDICT_ALLOWED, "CORDON_VERDICT_BLOCKED", VERDICT_BLOCKED,
                    "CORDON_VERDICT_AUDITED", VERDICT_AUDITED, "CORDON_VERDICT_OUTAGE", VERDICT_OUTAGE)),
            Map.entry("cordon_outage_style", ordered("CORDON_OUTAGE_NONE", OUTAGE_NONE, "CORDON_OUTAGE_TIMEOUT", OUTAGE_TIMEOUT,
                    "CORDON_OUTAGE_SERVFAIL", OUTAGE_SERVFAIL, "CORDON_OUTAGE_REFUSE", OUTAGE_REFUSE)),
            Map.entry("cordon_event_kind", ordered("CORDON_EVENT_CONNECT", EVENT_CONNECT, "CORDON_EVENT_SENDMSG", EVENT_SENDMSG,
                    "CORDON_EVENT_EXEC", EVENT_EXEC, "CORDON_EVENT_SOCKET", EVENT_SOCKET, "CORDON_EVENT_EXIT", EVENT_EXIT,
                    "CORDON_EVENT_OUTAGE_END", EVENT_OUTAGE_END, "CORDON_EVENT_EXEC_DENIED", EVENT_EXEC_DENIED,
                    "CORDON_EVENT_SCRIPT_LINE", EVENT_SCRIPT_LINE, "CORDON_EVENT_NAME", EVENT_NAME)),
            Map.entry("cordon_rule_special", ordered("CORDON_RULE_DEFAULT", RULE_DEFAULT, "CORDON_RULE_LEARNED", RULE_LEARNED,
                    "CORDON_RULE_RAW_SOCKET", RULE_RAW_SOCKET, "CORDON_RULE_OUTAGE_REFUSED", RULE_OUTAGE_REFUSED,
                    "CORDON_RULE_OUTAGE_DROPPED", RULE_OUTAGE_DROPPED, "CORDON_RULE_PACKET_SOCKET", RULE_PACKET_SOCKET,
                    "CORDON_RULE_UNREADABLE", RULE_UNREADABLE, "CORDON_RULE_TCP_FASTOPEN", RULE_TCP_FASTOPEN,
                    "CORDON_RULE_UNWATCHED", RULE_UNWATCHED)),
            Map.entry("cordon_name_source", ordered("CORDON_NAME_NONE", NAME_NONE, "CORDON_NAME_TLS_SNI", NAME_TLS_SNI,
                    "CORDON_NAME_HTTP_HOST", NAME_HTTP_HOST)),
            Map.entry("cordon_name_flag", ordered("CORDON_NAME_ECH", NAME_ECH)),
            Map.entry("cordon_dns_proto", ordered("CORDON_DNS_UDP", DNS_UDP, "CORDON_DNS_TCP", DNS_TCP)),
            Map.entry("cordon_policy_layout", ordered("CORDON_POLICY_GENERATIONS", POLICY_GENERATIONS,
                    "CORDON_RULE_GENERATION_SHIFT", RULE_GENERATION_SHIFT)),
            Map.entry("cordon_table_size", ordered("CORDON_LEARNED_MAX", LEARNED_MAX, "CORDON_NAME_SUFFIXES_MAX", NAME_SUFFIXES_MAX)),
            Map.entry("cordon_exe_flag", ordered("CORDON_EXE_TRUNCATED", EXE_TRUNCATED, "CORDON_EXE_UNLINKED", EXE_UNLINKED,
                    "CORDON_EXE_UNREAD", EXE_UNREAD)));

    // --- bpf/script_lines.h (script_lines.bpf.o)

    /**
     * enum cordon_script_lines_limit: bash binaries one session reads lines from; a hash bucket's
     * entries looked at; frames of bash's call stack sent; bytes of a BASH_LINENO element kept.
     */
    public static final int SHELLS_MAX = 16;
    public static final int SHELL_BUCKET_CHAIN = 32;
    public static final int SCRIPT_FRAMES = 8;
    public static final int SCRIPT_LINENO_LEN = 12;

    public static final StructLayout SHELL_LAYOUT = structLayout(
            JAVA_LONG.withName("probe_vaddr"),
            JAVA_LONG.withName("line_number"),
            JAVA_LONG.withName("running_trap"),
            JAVA_LONG.withName("global_variables"),
            JAVA_INT.withName("source_hash"),
            JAVA_INT.withName("lineno_hash"),
            JAVA_INT.withName("array_head"),
            JAVA_INT.withName("_pad")).withName("cordon_shell_layout");

    public static final StructLayout SCRIPT_FRAME = structLayout(
            sequenceLayout(SCRIPT_LINENO_LEN, JAVA_BYTE).withName("lineno"),
            JAVA_INT.withName("file_len"),
            sequenceLayout(PATH_LEN, JAVA_BYTE).withName("file")).withName("cordon_script_frame");

    public static final StructLayout SCRIPT_LINE_EVENT = structLayout(
            EVENT_HEADER.withName("hdr"),
            JAVA_INT.withName("line"),
            JAVA_INT.withName("trap"),
            JAVA_INT.withName("frames"),
            JAVA_INT.withName("skipped"),
            sequenceLayout(SCRIPT_FRAMES, SCRIPT_FRAME).withName("frame")).withName("cordon_script_line_event");

    /** The structs of bpf/script_lines.h (checked against script_lines.bpf.o). */
    public static final Map<String, StructLayout> SCRIPT_LINES_STRUCTS = byName(SHELL_LAYOUT, SCRIPT_FRAME, SCRIPT_LINE_EVENT);

    /** The enums of bpf/script_lines.h. */
    public static final Map<String, Map<String, Long>> SCRIPT_LINES_ENUMS = Map.of(
            "cordon_script_lines_limit", ordered("CORDON_SHELLS_MAX", SHELLS_MAX, "CORDON_SHELL_BUCKET_CHAIN", SHELL_BUCKET_CHAIN,
                    "CORDON_SCRIPT_FRAMES", SCRIPT_FRAMES, "CORDON_SCRIPT_LINENO_LEN", SCRIPT_LINENO_LEN));

    /** Offset of a (possibly nested) field, e.g. {@code offset(NET_EVENT, "hdr", "tgid")}. */
    public static long offset(StructLayout layout, String... path) {
        MemoryLayout.PathElement[] elements = new MemoryLayout.PathElement[path.length];
        for (int i = 0; i < path.length; i++) elements[i] = MemoryLayout.PathElement.groupElement(path[i]);
        return layout.byteOffset(elements);
    }

    private static Map<String, StructLayout> byName(StructLayout... layouts) {
        Map<String, StructLayout> m = new LinkedHashMap<>();
        for (StructLayout l : layouts) m.put(l.name().orElseThrow(), l);
        return Map.copyOf(m);
    }

    private static Map<String, Long> ordered(Object... kv) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], Integer.toUnsignedLong((Integer) kv[i + 1]));
        return m;
    }
}
