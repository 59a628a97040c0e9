package dev.cordon.doctor;

import dev.cordon.libbpf.MapType;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DoctorTest {
    private static List<Result> run(FakeHost host, FakeProbes probes) {
        return Doctor.standard(host, probes).run();
    }

    private static Result row(List<Result> results, String name) {
        return results.stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void aGoodHostIsAllOkInTheDocumentedOrder() {
        List<Result> results = run(new FakeHost(), new FakeProbes());
        assertThat(results).extracting(Result::name).containsExactly(
                "root", "kernel", "jdk", "libbpf", "bpf()", "btf", "cgroup2", "net_cls/prio", "bpffs", "lookups", "ping sockets", "util-linux",
                "prog cgroup_sock_addr", "prog cgroup_sock", "prog cgroup_skb", "prog raw_tracepoint", "prog sock_ops", "prog sk_msg",
                "map lpm_trie", "map ringbuf", "map cgroup_array", "map lru_hash", "map hash", "map percpu_array",
                "kernel: run", "kernel: outage", "kernel: script lines", "kernel: first bytes", "smoke load");
        assertThat(results).allSatisfy(r -> assertThat(r.status()).as(r.toString()).isEqualTo(Status.OK));
        assertThat(Doctor.canRun(results)).isTrue();
        assertThat(Doctor.summary(results)).isEqualTo("cordon can run on this host.");
    }

    @Test
    void warningsDoNotStopCordon() {
        FakeHost host = new FakeHost();
        host.release = "5.10.0-28-amd64";
        host.mounts = FakeHost.NET_CLS_MOUNTS; // no bpffs either: cordon run mounts it, no warning
        host.nameservers = List.of();
        List<Result> results = run(host, new FakeProbes());
        assertThat(row(results, "kernel").status()).isEqualTo(Status.WARN);
        assertThat(row(results, "net_cls/prio").status()).isEqualTo(Status.WARN);
        assertThat(row(results, "lookups").status()).isEqualTo(Status.WARN);
        assertThat(row(results, "bpffs").status()).isEqualTo(Status.OK);
        assertThat(Doctor.canRun(results)).isTrue();
        assertThat(Doctor.summary(results)).isEqualTo("cordon can run on this host (3 warnings).");
    }

    @Test
    void withoutRootTheKernelProbesAreSkippedNotReportedAsUnsupported() {
        FakeHost host = new FakeHost();
        host.euid = 1000;
        host.caps = 0;
        FakeProbes probes = new FakeProbes();
        List<Result> results = run(host, probes);
        assertThat(row(results, "root").status()).isEqualTo(Status.FAIL);
        assertThat(results).filteredOn(r -> r.name().startsWith("prog ") || r.name().startsWith("map ")
                        || r.name().startsWith("kernel: ") || r.name().equals("bpf()") || r.name().equals("smoke load"))
                .hasSize(18)
                .allSatisfy(r -> {
                    assertThat(r.status()).isEqualTo(Status.SKIP);
                    assertThat(r.detail()).isEqualTo("skipped: needs root");
                });
        assertThat(probes.calls).isEqualTo(1); // only the libbpf version was asked
        assertThat(Doctor.canRun(results)).isFalse();
        assertThat(Doctor.summary(results)).isEqualTo("cordon cannot run on this host: fix the FAIL row above.");
    }

    @Test
    void missingLibbpfIsOneFailRowWithItsMessageNotAStackTrace() {
        FakeProbes probes = new FakeProbes();
        probes.libbpfError = new UnsatisfiedLinkError(
                "libbpf.so.1 not found; install Debian's libbpf1 (apt-get install -y libbpf1)");
        List<Result> results = run(new FakeHost(), probes);
        assertThat(row(results, "libbpf")).isEqualTo(new Result(Status.FAIL, "libbpf",
                "libbpf.so.1 not found; install Debian's libbpf1 (apt-get install -y libbpf1)"));
        assertThat(row(results, "smoke load").detail()).isEqualTo("skipped: needs libbpf");
        assertThat(results).filteredOn(r -> r.status() == Status.FAIL).hasSize(1);
        assertThat(Doctor.canRun(results)).isFalse();
    }

    @Test
    void aBpfSyscallFailureSkipsTheProbesThatNeedIt() {
        FakeProbes probes = new FakeProbes();
        probes.bpfErrno = 38;
        List<Result> results = run(new FakeHost(), probes);
        assertThat(row(results, "bpf()").status()).isEqualTo(Status.FAIL);
        assertThat(row(results, "map ringbuf")).isEqualTo(new Result(Status.SKIP, "map ringbuf", "skipped: needs bpf()"));
    }

    @Test
    void eachUnsupportedTypeIsItsOwnFailRow() {
        FakeProbes probes = new FakeProbes();
        probes.missingMapTypes.add(MapType.RINGBUF);
        probes.missingProgramTypes.add(17);
        List<Result> results = run(new FakeHost(), probes);
        assertThat(results).filteredOn(r -> r.status() == Status.FAIL).extracting(Result::name)
                .containsExactly("prog raw_tracepoint", "map ringbuf");
        assertThat(Doctor.summary(results)).isEqualTo("cordon cannot run on this host: fix the FAIL rows above.");
    }

    @Test
    void aThrowingCheckBecomesAFailRow() {
        FakeHost host = new FakeHost();
        host.mountsUnreadable = true;
        List<Result> results = run(host, new FakeProbes());
        assertThat(row(results, "cgroup2")).isEqualTo(new Result(Status.FAIL, "cgroup2", "cannot read /proc/self/mountinfo: no such file"));
        assertThat(row(results, "bpffs").status()).isEqualTo(Status.FAIL);
    }

    @Test
    void unexpectedExceptionsKeepTheirClassName() {
        Doctor d = new Doctor(List.of(Check.of("boom", () -> {
            throw new NullPointerException("x is null");
        })));
        assertThat(d.run()).containsExactly(new Result(Status.FAIL, "boom", "NullPointerException: x is null"));
    }

    @Test
    void describeUnwrapsFailedClassInitialisers() {
        UnsatisfiedLinkError root = new UnsatisfiedLinkError("libbpf.so.1 not found");
        assertThat(Doctor.describe(new ExceptionInInitializerError(root))).isEqualTo("libbpf.so.1 not found");
        // What later uses of such a class see: the first error survives only as text.
        NoClassDefFoundError later = new NoClassDefFoundError("Could not initialize class dev.cordon.libbpf.LibBpf");
        later.initCause(new ExceptionInInitializerError(
                "Exception java.lang.UnsatisfiedLinkError: libbpf.so.1 not found; install libbpf1 [in thread \"main\"]"));
        assertThat(Doctor.describe(later)).isEqualTo("libbpf.so.1 not found; install libbpf1");
        ExceptionInInitializerError other = new ExceptionInInitializerError(
                "Exception java.lang.IllegalStateException: bad [in thread \"main\"]");
        assertThat(Doctor.describe(other)).isEqualTo("IllegalStateException: bad");
        assertThat(Doctor.describe(new RuntimeException(new java.io.IOException("disk on fire"))))
                .isEqualTo("disk on fire");
        assertThat(Doctor.describe(new IllegalStateException())).isEqualTo("java.lang.IllegalStateException");
        assertThat(Doctor.describe(new java.nio.file.AccessDeniedException("/sys/kernel/btf/vmlinux")))
                .isEqualTo("cannot read /sys/kernel/btf/vmlinux: permission denied");
    }

    @Test
    void virtualMachineErrorsAreNotSwallowed() {
        Doctor d = new Doctor(List.of(Check.of("oom", () -> {
            throw new OutOfMemoryError("heap");
        })));
        assertThatThrownBy(d::run).isInstanceOf(OutOfMemoryError.class);
    }

    @Test
    void needsMustNameEarlierChecks() {
        Check a = Check.of("a", () -> Verdict.ok(""));
        Check b = Check.of("b", () -> Verdict.ok("")).needing("a");
        assertThat(new Doctor(List.of(a, b)).checks()).hasSize(2);
        assertThatThrownBy(() -> new Doctor(List.of(b, a))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("b needs a");
        assertThatThrownBy(() -> new Doctor(List.of(a, a))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aSkippedCheckSkipsItsDependantsToo() {
        Doctor d = new Doctor(List.of(
                Check.of("a", () -> Verdict.fail("no")),
                Check.of("b", () -> Verdict.ok("")).needing("a"),
                Check.of("c", () -> Verdict.ok("")).needing("b"),
                Check.of("d", () -> Verdict.warn("meh")),
                Check.of("e", () -> Verdict.ok("fine")).needing("d")));
        assertThat(d.run()).extracting(Result::status)
                .containsExactly(Status.FAIL, Status.SKIP, Status.SKIP, Status.WARN, Status.OK);
    }

    @Test
    void rowsAreAlignedOnTheLongestName() {
        List<String> lines = Doctor.format(List.of(
                new Result(Status.OK, "kernel", "6.18.44 (>= 5.15)"),
                new Result(Status.FAIL, "root", "not root: run as root (sudo cordon doctor)"),
                new Result(Status.WARN, "bpffs", "not mounted"),
                new Result(Status.SKIP, "smoke load", "skipped: needs root"),
                new Result(Status.OK, "empty", "")));
        assertThat(lines).containsExactly(
                "ok    kernel      6.18.44 (>= 5.15)",
                "FAIL  root        not root: run as root (sudo cordon doctor)",
                "warn  bpffs       not mounted",
                "skip  smoke load  skipped: needs root",
                "ok    empty");
    }

    @Test
    void detailsAreOnePrintableLine() {
        List<String> lines = Doctor.format(List.of(new Result(Status.FAIL, "cgroup2",
                "/mnt/a\nb\u001b[31mred\u202e\tx")));
        assertThat(lines).containsExactly("FAIL  cgroup2  /mnt/a b?[31mred? x");
    }
}
