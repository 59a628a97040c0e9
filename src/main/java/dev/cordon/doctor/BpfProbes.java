package dev.cordon.doctor;

import dev.cordon.kernel.EgressGuard;
import dev.cordon.libbpf.BpfObject;
import dev.cordon.libbpf.LibBpfInfo;
import dev.cordon.libbpf.LibBpfLog;
import dev.cordon.libbpf.MapType;

import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * What the doctor asks libbpf and the kernel: the seam unit tests replace. Each method may throw
 * (libbpf missing gives an UnsatisfiedLinkError, a failed load a BpfException).
 */
public interface BpfProbes {
    /** libbpf's {@code major.minor}. The first libbpf call the doctor makes. */
    String libbpfVersion();

    /** 0 if bpf(2) created a map, else the errno. */
    int bpfSyscallErrno();

    boolean supportsProgramType(int progType);

    boolean supportsMapType(MapType type);

    /**
     * Loads cordon's own object as {@code cordon run} would, so the verifier checks our programs on
     * this kernel, then unloads it. Throws if the load fails.
     *
     * @return the number of programs loaded
     */
    int smokeLoad();

    /**
     * libbpf on this machine.
     *
     * @param log where libbpf's messages go (verifier output included); libbpf's own default would
     *            print on stderr
     */
    static BpfProbes live(BiConsumer<LibBpfLog.Level, String> log) {
        Objects.requireNonNull(log, "log");
        return new BpfProbes() {
            @Override
            public String libbpfVersion() {
                LibBpfLog.setSink(log);
                return LibBpfInfo.version();
            }

            @Override
            public int bpfSyscallErrno() {
                return LibBpfInfo.bpfSyscallErrno();
            }

            @Override
            public boolean supportsProgramType(int progType) {
                return LibBpfInfo.supportsProgramType(progType);
            }

            @Override
            public boolean supportsMapType(MapType type) {
                return LibBpfInfo.supportsMapType(type);
            }

            @Override
            public int smokeLoad() {
                byte[] elf = EgressGuard.objectBytes();
                int programs = 0;
                // report_all (a .rodata constant, set by --events) lets the verifier prune branches, so
                // load both variants `cordon run` may use. The name is EgressGuard's: keep them in step.
                for (byte reportAll = 0; reportAll <= 1; reportAll++) {
                    try (BpfObject object = BpfObject.open(elf, "cordon")) {
                        object.setConstant("report_all", new byte[] {reportAll});
                        object.load();
                        programs = object.programNames().size();
                    }
                }
                return programs;
            }
        };
    }
}
