package dev.cordon.kernel;

import dev.cordon.events.ExecDeniedEvent;
import dev.cordon.events.ExecEvent;
import dev.cordon.events.Executable;
import dev.cordon.events.ExitEvent;
import dev.cordon.events.FirstBytes;
import dev.cordon.events.OutageEndEvent;
import dev.cordon.events.Hook;
import dev.cordon.events.KernelEvent;
import dev.cordon.events.NetEvent;
import dev.cordon.events.ProcessRef;
import dev.cordon.events.ProcessTable;
import dev.cordon.events.ScriptLineEvent;
import dev.cordon.events.SocketInfo;
import dev.cordon.events.Verdict;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

/**
 * Turns ring buffer records (laid out as in bpf/cordon.h, native byte order) into events.
 * Offsets come from {@link Abi}, never from literals. A record that is too short or of an
 * unknown kind is rejected, not guessed at.
 */
public final class EventDecoder {
    private EventDecoder() {}

    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    private static final long KIND = Abi.offset(Abi.EVENT_HEADER, "kind");
    private static final long TGID = Abi.offset(Abi.EVENT_HEADER, "tgid");
    private static final long PID = Abi.offset(Abi.EVENT_HEADER, "pid");
    private static final long TS = Abi.offset(Abi.EVENT_HEADER, "ts_ns");
    private static final long CGROUP = Abi.offset(Abi.EVENT_HEADER, "cgroup_id");
    private static final long COMM = Abi.offset(Abi.EVENT_HEADER, "comm");
    private static final long VERDICT = Abi.offset(Abi.NET_EVENT, "verdict");
    private static final long RULE = Abi.offset(Abi.NET_EVENT, "rule_id");
    private static final long FAMILY = Abi.offset(Abi.NET_EVENT, "family");
    private static final long PROTOCOL = Abi.offset(Abi.NET_EVENT, "protocol");
    private static final long PORT = Abi.offset(Abi.NET_EVENT, "port");
    private static final long MAPPED = Abi.offset(Abi.NET_EVENT, "mapped_v4");
    private static final long ADDR = Abi.offset(Abi.NET_EVENT, "addr");
    private static final long COOKIE = Abi.offset(Abi.NET_EVENT, "cookie");
    private static final long EXIT_PPID = Abi.offset(Abi.EXIT_EVENT, "ppid");
    private static final long EXIT_CODE = Abi.offset(Abi.EXIT_EVENT, "exit_code");
    private static final long END_COOKIE = Abi.offset(Abi.OUTAGE_END_EVENT, "cookie");
    private static final long END_START = Abi.offset(Abi.OUTAGE_END_EVENT, "start_ns");
    private static final long SOCK_VERDICT = Abi.offset(Abi.SOCKET_EVENT, "verdict");
    private static final long SOCK_RULE = Abi.offset(Abi.SOCKET_EVENT, "rule_id");
    private static final long SOCK_FAMILY = Abi.offset(Abi.SOCKET_EVENT, "family");
    private static final long SOCK_TYPE = Abi.offset(Abi.SOCKET_EVENT, "type");
    private static final long SOCK_PROTOCOL = Abi.offset(Abi.SOCKET_EVENT, "protocol");
    private static final long SOCK_RET = Abi.offset(Abi.SOCKET_EVENT, "ret");
    private static final long PPID = Abi.offset(Abi.EXEC_EVENT, "ppid");
    private static final long ARGS_LEN = Abi.offset(Abi.EXEC_EVENT, "args_len");
    private static final long ARGS = Abi.offset(Abi.EXEC_EVENT, "args");
    private static final long EXE_LEN = Abi.offset(Abi.EXEC_EVENT, "exe_len");
    private static final long EXE_FLAGS = Abi.offset(Abi.EXEC_EVENT, "exe_flags");
    private static final long EXE = Abi.offset(Abi.EXEC_EVENT, "exe");
    private static final long SCRIPT_LEN = Abi.offset(Abi.EXEC_EVENT, "script_len");
    private static final long SCRIPT = Abi.offset(Abi.EXEC_EVENT, "script");
    private static final long DENIED_PPID = Abi.offset(Abi.EXEC_DENIED_EVENT, "ppid");
    private static final long DENIED_RET = Abi.offset(Abi.EXEC_DENIED_EVENT, "ret");
    private static final long DENIED_DIRFD = Abi.offset(Abi.EXEC_DENIED_EVENT, "dirfd");
    private static final long DENIED_FLAGS = Abi.offset(Abi.EXEC_DENIED_EVENT, "flags");
    private static final long DENIED_PATH_LEN = Abi.offset(Abi.EXEC_DENIED_EVENT, "path_len");
    private static final long DENIED_PATH = Abi.offset(Abi.EXEC_DENIED_EVENT, "path");
    private static final long NAME_VERDICT = Abi.offset(Abi.NAME_EVENT, "verdict");
    private static final long NAME_RULE = Abi.offset(Abi.NAME_EVENT, "rule_id");
    private static final long NAME_FAMILY = Abi.offset(Abi.NAME_EVENT, "family");
    private static final long NAME_PORT = Abi.offset(Abi.NAME_EVENT, "port");
    private static final long NAME_LEN = Abi.offset(Abi.NAME_EVENT, "name_len");
    private static final long NAME_SOURCE = Abi.offset(Abi.NAME_EVENT, "source");
    private static final long NAME_FLAGS = Abi.offset(Abi.NAME_EVENT, "flags");
    private static final long NAME_MAPPED = Abi.offset(Abi.NAME_EVENT, "mapped_v4");
    private static final long NAME_ADDR = Abi.offset(Abi.NAME_EVENT, "addr");
    private static final long NAME = Abi.offset(Abi.NAME_EVENT, "name");
    private static final long LINE = Abi.offset(Abi.SCRIPT_LINE_EVENT, "line");
    private static final long TRAP = Abi.offset(Abi.SCRIPT_LINE_EVENT, "trap");
    private static final long FRAMES = Abi.offset(Abi.SCRIPT_LINE_EVENT, "frames");
    private static final long FRAME = Abi.offset(Abi.SCRIPT_LINE_EVENT, "frame");
    private static final long FRAME_SIZE = Abi.SCRIPT_FRAME.byteSize();
    private static final long FRAME_LINENO = Abi.offset(Abi.SCRIPT_FRAME, "lineno");
    private static final long FRAME_FILE_LEN = Abi.offset(Abi.SCRIPT_FRAME, "file_len");
    private static final long FRAME_FILE = Abi.offset(Abi.SCRIPT_FRAME, "file");
    private static final int AF_INET6 = 10, IPPROTO_TCP = 6;

    public static Optional<KernelEvent> decode(MemorySegment r) {
        if (r.byteSize() < Abi.EVENT_HEADER.byteSize()) return Optional.empty();
        int kind = i32(r, KIND);
        return switch (kind) {
            case Abi.EVENT_CONNECT, Abi.EVENT_SENDMSG -> r.byteSize() < Abi.NET_EVENT.byteSize()
                    ? Optional.empty() : net(r, kind);
            case Abi.EVENT_SOCKET -> r.byteSize() < Abi.SOCKET_EVENT.byteSize()
                    ? Optional.empty() : socket(r);
            case Abi.EVENT_EXEC -> r.byteSize() < Abi.EXEC_EVENT.byteSize()
                    ? Optional.empty() : Optional.of(exec(r));
            case Abi.EVENT_EXEC_DENIED -> r.byteSize() < Abi.EXEC_DENIED_EVENT.byteSize()
                    ? Optional.empty() : Optional.of(execDenied(r));
            case Abi.EVENT_EXIT -> r.byteSize() < Abi.EXIT_EVENT.byteSize()
                    ? Optional.empty() : Optional.of(new ExitEvent(i64(r, TS), header(r), i32(r, EXIT_PPID), i32(r, EXIT_CODE)));
            case Abi.EVENT_SCRIPT_LINE -> r.byteSize() < Abi.SCRIPT_LINE_EVENT.byteSize()
                    ? Optional.empty() : scriptLine(r);
            case Abi.EVENT_NAME -> r.byteSize() < Abi.NAME_EVENT.byteSize()
                    ? Optional.empty() : name(r);
            case Abi.EVENT_OUTAGE_END -> r.byteSize() < Abi.OUTAGE_END_EVENT.byteSize()
                    ? Optional.empty() : Optional.of(new OutageEndEvent(i64(r, TS), header(r), i64(r, END_COOKIE), i64(r, END_START)));
            default -> Optional.empty();
        };
    }

    /** For fixtures and tests: decode from a byte array. */
    public static Optional<KernelEvent> decode(byte[] record) {
        return decode(MemorySegment.ofArray(record));
    }

    private static Verdict verdict(int v) {
        return switch (v) {
            case Abi.VERDICT_ALLOWED -> Verdict.ALLOWED;
            case Abi.VERDICT_BLOCKED -> Verdict.BLOCKED;
            case Abi.VERDICT_AUDITED -> Verdict.AUDITED;
            case Abi.VERDICT_OUTAGE -> Verdict.OUTAGE;
            default -> null;
        };
    }

    /** A raw inet or packet socket: no destination (ip 0.0.0.0 or ::, port 0), what was asked for in {@link SocketInfo}. */
    private static Optional<KernelEvent> socket(MemorySegment r) {
        Verdict verdict = verdict(i32(r, SOCK_VERDICT));
        if (verdict == null) return Optional.empty();
        int family = u16(r, SOCK_FAMILY);
        int protocol = i32(r, SOCK_PROTOCOL);
        int ret = i32(r, SOCK_RET);
        SocketInfo info = new SocketInfo(family, u16(r, SOCK_TYPE), protocol, ret < 0 ? -ret : 0);
        boolean v6 = family == AF_INET6;
        return Optional.of(new NetEvent(i64(r, TS), header(r), Hook.SOCKET, verdict, i32(r, SOCK_RULE), v6,
                info.packet() ? 0 : protocol, 0, false, new byte[v6 ? 16 : 4], 0, info));
    }

    private static Optional<KernelEvent> net(MemorySegment r, int kind) {
        Verdict verdict = verdict(i32(r, VERDICT));
        if (verdict == null) return Optional.empty();
        boolean v6Socket = u16(r, FAMILY) == AF_INET6;
        boolean mapped = r.get(JAVA_BYTE, MAPPED) != 0;
        byte[] addr = r.asSlice(ADDR, 16).toArray(JAVA_BYTE);
        if (!v6Socket || mapped) addr = Arrays.copyOf(addr, 4);
        return Optional.of(new NetEvent(r.get(JAVA_LONG_UNALIGNED.withOrder(ORDER), TS), header(r),
                kind == Abi.EVENT_CONNECT ? Hook.CONNECT : Hook.SENDMSG, verdict, i32(r, RULE),
                v6Socket, u16(r, PROTOCOL), u16(r, PORT), mapped, addr, i64(r, COOKIE)));
    }

    /**
     * A name judged in a connection's first bytes: a TLS or HTTP attempt to the peer, carrying the
     * name (bytes kept one to one, ISO-8859-1, for escaping). A connection the check could not watch
     * has no name and no sender (the kernel saw it in softirq): a connect attempt, named "?".
     */
    private static Optional<KernelEvent> name(MemorySegment r) {
        Verdict verdict = verdict(i32(r, NAME_VERDICT));
        if (verdict == null) return Optional.empty();
        boolean v6Socket = u16(r, NAME_FAMILY) == AF_INET6;
        boolean mapped = r.get(JAVA_BYTE, NAME_MAPPED) != 0;
        byte[] addr = r.asSlice(NAME_ADDR, 16).toArray(JAVA_BYTE);
        if (!v6Socket || mapped) addr = Arrays.copyOf(addr, 4);
        int source = Byte.toUnsignedInt(r.get(JAVA_BYTE, NAME_SOURCE));
        ProcessRef who = header(r);
        if (source == Abi.NAME_NONE) {
            if (who.pid() == 0) who = new ProcessRef(0, 0, "?", who.cgroupId());
            return Optional.of(new NetEvent(i64(r, TS), who, Hook.CONNECT, verdict, i32(r, NAME_RULE), v6Socket, IPPROTO_TCP,
                    u16(r, NAME_PORT), mapped, addr, 0));
        }
        Hook hook = switch (source) {
            case Abi.NAME_TLS_SNI -> Hook.TLS;
            case Abi.NAME_HTTP_HOST -> Hook.HTTP;
            default -> null;
        };
        if (hook == null) return Optional.empty();
        int len = Math.clamp(u16(r, NAME_LEN), 0, Abi.NAME_LEN);
        String name = new String(r.asSlice(NAME, len).toArray(JAVA_BYTE), StandardCharsets.ISO_8859_1);
        boolean ech = (r.get(JAVA_BYTE, NAME_FLAGS) & Abi.NAME_ECH) != 0;
        return Optional.of(new NetEvent(i64(r, TS), who, hook, verdict, i32(r, NAME_RULE), v6Socket, IPPROTO_TCP,
                u16(r, NAME_PORT), mapped, addr, 0, null, new FirstBytes(name, ech)));
    }

    private static ExecEvent exec(MemorySegment r) {
        int len = Math.clamp(i32(r, ARGS_LEN), 0, Abi.ARGS_LEN);
        byte[] raw = r.asSlice(ARGS, len).toArray(JAVA_BYTE);
        // argv exactly filling the buffer without a final NUL was cut off by the kernel copy
        boolean truncated = len == Abi.ARGS_LEN && raw[len - 1] != 0;
        int scriptLen = Math.clamp(i32(r, SCRIPT_LEN), 0, Abi.PATH_LEN - 1);
        return new ExecEvent(r.get(JAVA_LONG_UNALIGNED.withOrder(ORDER), TS), header(r), i32(r, PPID),
                ProcessTable.splitArgs(raw, len), truncated, exe(r), scriptLen == 0 ? null : utf8(r, SCRIPT, scriptLen));
    }

    /** The file the exec ran, or null when the kernel could not read its path. */
    private static Executable exe(MemorySegment r) {
        int flags = i32(r, EXE_FLAGS);
        int len = Math.clamp(i32(r, EXE_LEN), 0, Abi.PATH_LEN - 1);
        if ((flags & Abi.EXE_UNREAD) != 0 || len == 0) return null;
        String path = utf8(r, EXE, len) + ((flags & Abi.EXE_UNLINKED) != 0 ? Executable.DELETED : "");
        return new Executable(path, Executable.Source.EXEC, (flags & Abi.EXE_TRUNCATED) != 0);
    }

    private static String utf8(MemorySegment r, long off, int len) {
        return new String(r.asSlice(off, len).toArray(JAVA_BYTE), StandardCharsets.UTF_8);
    }

    /** path_len counts the NUL; a path filling the whole buffer may have been longer. */
    private static ExecDeniedEvent execDenied(MemorySegment r) {
        int len = Math.clamp(i32(r, DENIED_PATH_LEN), 0, Abi.PATH_LEN);
        byte[] path = r.asSlice(DENIED_PATH, Math.max(0, len - 1)).toArray(JAVA_BYTE);
        return new ExecDeniedEvent(i64(r, TS), header(r), i32(r, DENIED_PPID), -i32(r, DENIED_RET), i32(r, DENIED_DIRFD),
                i32(r, DENIED_FLAGS), new String(path, StandardCharsets.UTF_8), len == Abi.PATH_LEN);
    }

    /** Frames innermost first: frame 0's line is the event's, frame k's is the BASH_LINENO text it keeps. */
    private static Optional<KernelEvent> scriptLine(MemorySegment r) {
        int n = Math.clamp(i32(r, FRAMES), 0, Abi.SCRIPT_FRAMES);
        List<BashTraps.Frame> frames = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            long at = FRAME + k * FRAME_SIZE;
            int len = Math.clamp(i32(r, at + FRAME_FILE_LEN), 0, Abi.PATH_LEN);
            if (len <= 1) {
                if (k == 0) return Optional.empty(); // no file: nothing to name
                continue; // a function from a -c string or the environment: no file of its own
            }
            String file = new String(r.asSlice(at + FRAME_FILE, len - 1).toArray(JAVA_BYTE), StandardCharsets.UTF_8)
                    + (len == Abi.PATH_LEN ? "..." : "");
            int line = k == 0 ? i32(r, LINE) : decimal(r.asSlice(at + FRAME_LINENO, Abi.SCRIPT_LINENO_LEN));
            frames.add(new BashTraps.Frame(file, line));
        }
        if (frames.isEmpty()) return Optional.empty();
        return Optional.of(new ScriptLineEvent(i64(r, TS), header(r), BashTraps.scriptLine(frames, i32(r, TRAP))));
    }

    /** A NUL-terminated decimal as bash keeps BASH_LINENO's elements; 0 if it is not one. */
    private static int decimal(MemorySegment text) {
        long v = 0;
        int i = 0;
        for (; i < text.byteSize(); i++) {
            byte c = text.get(JAVA_BYTE, i);
            if (c == 0) break;
            if (c < '0' || c > '9' || v > Integer.MAX_VALUE / 10) return 0;
            v = v * 10 + (c - '0');
        }
        return i == 0 || i == text.byteSize() ? 0 : (int) v;
    }

    private static ProcessRef header(MemorySegment r) {
        byte[] comm = r.asSlice(COMM, Abi.COMM_LEN).toArray(JAVA_BYTE);
        int n = 0;
        while (n < comm.length && comm[n] != 0) n++;
        return new ProcessRef(i32(r, TGID), i32(r, PID), new String(comm, 0, n, StandardCharsets.UTF_8),
                r.get(JAVA_LONG_UNALIGNED.withOrder(ORDER), CGROUP));
    }

    private static int i32(MemorySegment r, long off) {
        return r.get(JAVA_INT_UNALIGNED.withOrder(ORDER), off);
    }

    private static long i64(MemorySegment r, long off) {
        return r.get(JAVA_LONG_UNALIGNED.withOrder(ORDER), off);
    }

    private static int u16(MemorySegment r, long off) {
        return Short.toUnsignedInt(r.get(JAVA_SHORT_UNALIGNED.withOrder(ORDER), off));
    }
}
