package dev.cordon.doctor;

import dev.cordon.cli.Cli;
import dev.cordon.cli.ExitCodes;
import dev.cordon.kernel.EgressGuard;
import dev.cordon.kernel.KernelObjects;
import dev.cordon.libbpf.BpfObject;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** cordon doctor on this host (root, BPF, cgroup2): it must find nothing wrong. */
class DoctorIT {
    private record Run(int code, String out, String err) {}

    private static Run doctorInProcess() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Cli.execute(new String[] {"doctor"}, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    private static void assertHealthy(Run run) {
        assertThat(run.code()).as(run.out() + run.err()).isEqualTo(ExitCodes.OK);
        assertThat(run.err()).isEmpty();
        List<String> lines = run.out().lines().toList();
        assertThat(lines).noneMatch(l -> l.startsWith("FAIL") || l.startsWith("skip"));
        for (Checks.ProgramType t : Checks.PROGRAM_TYPES) {
            assertThat(lines).anyMatch(l -> l.matches("ok +\\Q" + t.rowName() + "\\E +supported .*"));
        }
        for (Checks.MapUse m : Checks.MAP_TYPES) {
            assertThat(lines).anyMatch(l -> l.matches("ok +\\Q" + m.rowName() + "\\E +supported .*"));
        }
        assertThat(lines).anyMatch(l -> l.matches("ok +smoke load +the verifier accepted cordon's \\d+ programs.*"));
        assertThat(lines).anyMatch(l -> l.matches("ok +root +uid 0, CAP_SYS_ADMIN.*"));
        assertThat(lines).anyMatch(l -> l.matches("ok +cgroup2 +/.*"));
        assertThat(lines.getLast()).startsWith("cordon can run on this host");
    }

    @Test
    void doctorFindsThisHostHealthy() {
        assertHealthy(doctorInProcess());
    }

    @Test
    void theSmokeLoadLoadsEveryProgramOfTheObjectInSomeSession() {
        int programs;
        try (BpfObject o = BpfObject.open(KernelObjects.session(), "cordon")) {
            programs = o.programNames().size();
        }
        int run = EgressGuard.TRACE_PROGRAMS.size() + EgressGuard.CGROUP_PROGRAMS.size();
        int names = EgressGuard.FIRST_BYTES_CGROUP_PROGRAMS.size() + 1; // and the sk_msg program on the sockhash
        String smoke = doctorInProcess().out().lines().filter(l -> l.contains("smoke load")).findFirst().orElseThrow();
        assertThat(smoke).contains("cordon's " + run + " programs").contains("its " + (run + EgressGuard.OUTAGE_PROGRAMS.size())
                + " with each --outage-style").contains("its " + (run + names) + " with the first-bytes check");
        assertThat(run + EgressGuard.OUTAGE_PROGRAMS.size() + names).isEqualTo(programs);
    }

    @Test
    void doctorProbesEveryProgramTypeTheObjectUses() {
        // When a program of a new type lands in bpf/, the doctor must learn to probe that type.
        Set<String> used = new TreeSet<>();
        try (BpfObject o = BpfObject.open(KernelObjects.session(), "cordon")) {
            for (String name : o.programNames()) used.add(programType(o.program(name).section()));
        }
        assertThat(Checks.PROGRAM_TYPES).extracting(Checks.ProgramType::name).containsAll(used);
    }

    /** libbpf's section names (libbpf.c section_defs) for the program types cordon may use. */
    private static String programType(String section) {
        if (section.matches("cgroup/(connect|sendmsg|recvmsg|getpeername|getsockname|bind)[46]|cgroup/connect_unix")) {
            return "cgroup_sock_addr";
        }
        if (section.startsWith("raw_tp/") || section.startsWith("raw_tracepoint/")) return "raw_tracepoint";
        if (section.startsWith("cgroup_skb/")) return "cgroup_skb";
        if (section.startsWith("cgroup/sock")) return "cgroup_sock";
        if (section.startsWith("tp/") || section.startsWith("tracepoint/")) return "tracepoint";
        if (section.equals("sockops")) return "sock_ops";
        if (section.equals("sk_msg")) return "sk_msg";
        return "unknown section " + section;
    }

    @Test
    void doctorLeaksNoFileDescriptors() throws IOException {
        doctorInProcess(); // warm up: libbpf, the jar's classes, the object resource
        Set<String> before = openFds();
        for (int i = 0; i < 3; i++) assertThat(doctorInProcess().code()).isZero();
        assertThat(openFds()).isEqualTo(before);
    }

    private static Set<String> openFds() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            Set<String> out = new TreeSet<>();
            for (Path fd : fds.toList()) {
                try {
                    out.add(fd.getFileName() + " -> " + Files.readSymbolicLink(fd));
                } catch (IOException e) {
                    // the fd of the directory listing itself is gone by now
                }
            }
            return out;
        }
    }

    @Test
    void thePackagedJarPassesToo() throws Exception {
        Path home = Path.of(System.getProperty("cordon.home", "."));
        Path jar = home.resolve("target/cordon.jar");
        assertThat(jar).as("mvn package builds it before the kernel tests").exists();
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "-jar", jar.toString(), "doctor"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertHealthy(new Run(p.exitValue(), out, err));
    }
}
