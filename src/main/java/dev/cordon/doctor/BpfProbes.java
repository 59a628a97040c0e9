package dev.cordon.doctor;

import dev.cordon.kernel.EgressGuard;
import dev.cordon.kernel.KernelObjects;
import dev.cordon.libbpf.BpfException;
import dev.cordon.libbpf.BpfObject;
import dev.cordon.libbpf.LibBpfInfo;
import dev.cordon.libbpf.LibBpfLog;
import dev.cordon.libbpf.MapType;
import dev.cordon.policy.OutageStyle;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;

/**
 * What the doctor asks libbpf and the kernel: the seam unit tests replace. Each method may throw
 * (libbpf missing gives an UnsatisfiedLinkError, a failed load a BpfException).
 */
public interface BpfProbes {
    /** libbpf's {@code major.minor}. */
    String libbpfVersion();

    /** 0 if bpf(2) created a map, else the errno. */
    int bpfSyscallErrno();

    boolean supportsProgramType(int progType);

    boolean supportsMapType(MapType type);

    /**
     * Loads cordon's own object as a {@code cordon run} with these settings would, so the verifier
     * checks our programs on this kernel, then unloads it. Throws if the load fails, naming libbpf's
     * first warning if any.
     *
     * @param outageStyle the --outage-style of a --simulate-outage session, or null for none
     * @param firstBytes  with the first-bytes check (a session with a DNS proxy)
     * @return the number of programs loaded
     */
    int smokeLoad(boolean reportAll, OutageStyle outageStyle, boolean firstBytes);

    /**
     * Loads one program of {@code probes.bpf.o} on its own ({@link KernelFeatures}).
     *
     * @return empty when the kernel accepted it, else why not (libbpf's first warning, usually the verifier's)
     */
    java.util.Optional<String> loadProbe(String program);

    /**
     * libbpf on this machine.
     *
     * @param log where libbpf's messages go (verifier output included); libbpf's own default would
     *            print on stderr
     */
    static BpfProbes live(BiConsumer<LibBpfLog.Level, String> log) {
        Objects.requireNonNull(log, "log");
        return new BpfProbes() {
            private boolean logRouted;
            /** libbpf's warnings while the smoke load runs; they say why it failed better than errno. */
            private volatile List<String> warnings;

            /** Before any other libbpf call, so that nothing reaches stderr unasked. */
            private void routeLog() {
                if (logRouted) return;
                LibBpfLog.setSink((level, line) -> {
                    List<String> w = warnings;
                    if (w != null && level == LibBpfLog.Level.WARN) w.add(line);
                    log.accept(level, line);
                });
                logRouted = true;
            }

            @Override
            public String libbpfVersion() {
                routeLog();
                return LibBpfInfo.version();
            }

            @Override
            public int bpfSyscallErrno() {
                routeLog();
                return LibBpfInfo.bpfSyscallErrno();
            }

            @Override
            public boolean supportsProgramType(int progType) {
                routeLog();
                return LibBpfInfo.supportsProgramType(progType);
            }

            @Override
            public boolean supportsMapType(MapType type) {
                routeLog();
                return LibBpfInfo.supportsMapType(type);
            }

            @Override
            public java.util.Optional<String> loadProbe(String program) {
                routeLog();
                warnings = new CopyOnWriteArrayList<>();
                try (BpfObject object = BpfObject.open(KernelObjects.probes(), "probes")) {
                    List<String> names = object.programNames();
                    if (!names.contains(program)) throw new IllegalArgumentException("probes.bpf.o has no program " + program);
                    for (String p : names) object.setAutoload(p, p.equals(program));
                    object.load();
                    return java.util.Optional.empty();
                } catch (BpfException e) {
                    return java.util.Optional.of(warnings.stream().map(l -> l.replaceFirst("^libbpf: ", "")).findFirst().orElse(e.getMessage()));
                } finally {
                    warnings = null;
                }
            }

            @Override
            public int smokeLoad(boolean reportAll, OutageStyle outageStyle, boolean firstBytes) {
                routeLog();
                warnings = new CopyOnWriteArrayList<>();
                try {
                    return EgressGuard.smokeLoad(reportAll, outageStyle, firstBytes);
                } catch (BpfException e) {
                    String first = warnings.stream().map(l -> l.replaceFirst("^libbpf: ", "")).findFirst().orElse("");
                    throw first.isEmpty() ? e : new IllegalStateException(e.getMessage() + " (libbpf: " + first + ")", e);
                } finally {
                    warnings = null;
                }
            }
        };
    }
}
