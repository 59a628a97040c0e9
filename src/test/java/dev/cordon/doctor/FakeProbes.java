package dev.cordon.doctor;

import dev.cordon.libbpf.MapType;
import dev.cordon.policy.OutageStyle;

import java.util.HashSet;
import java.util.Set;

/** Made-up libbpf and kernel answers: by default everything works. */
final class FakeProbes implements BpfProbes {
    String libbpf = "1.1";
    RuntimeException libbpfThrows;
    Error libbpfError;
    int bpfErrno;
    Set<Integer> missingProgramTypes = new HashSet<>();
    Set<MapType> missingMapTypes = new HashSet<>();
    interface Smoke {
        int load(boolean reportAll, OutageStyle style, boolean firstBytes);
    }

    Smoke smoke = (reportAll, style, names) -> (style == null ? 5 : 6) + (names ? 2 : 0);
    java.util.Map<String, String> probeFailures = new java.util.HashMap<>();
    int calls;

    @Override
    public String libbpfVersion() {
        calls++;
        if (libbpfError != null) throw libbpfError;
        if (libbpfThrows != null) throw libbpfThrows;
        return libbpf;
    }

    @Override
    public int bpfSyscallErrno() {
        calls++;
        return bpfErrno;
    }

    @Override
    public boolean supportsProgramType(int progType) {
        calls++;
        return !missingProgramTypes.contains(progType);
    }

    @Override
    public boolean supportsMapType(MapType type) {
        calls++;
        return !missingMapTypes.contains(type);
    }

    @Override
    public java.util.Optional<String> loadProbe(String program) {
        calls++;
        return java.util.Optional.ofNullable(probeFailures.get(program));
    }

    @Override
    public int smokeLoad(boolean reportAll, OutageStyle style, boolean firstBytes) {
        calls++;
        return smoke.load(reportAll, style, firstBytes);
    }
}
