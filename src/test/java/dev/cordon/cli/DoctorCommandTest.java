package dev.cordon.cli;

import dev.cordon.doctor.Check;
import dev.cordon.doctor.Doctor;
import dev.cordon.doctor.Verdict;
import dev.cordon.libbpf.LibBpfLog;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class DoctorCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(List<Check> checks, String... args) {
        CommandLine cl = Cli.create(new PrintWriter(out, true), new PrintWriter(err, true));
        DoctorCommand doctor = cl.getSubcommands().get("doctor").getCommand();
        doctor.doctorFactory = log -> {
            log.accept(LibBpfLog.Level.WARN, "libbpf says hello");
            return new Doctor(checks);
        };
        String[] argv = new String[args.length + 1];
        argv[0] = "doctor";
        System.arraycopy(args, 0, argv, 1, args.length);
        return cl.execute(argv);
    }

    @Test
    void exitsZeroWhenNothingFailedAndPrintsOnlyToOut() {
        int code = run(List.of(
                Check.of("kernel", () -> Verdict.ok("6.18.44 (>= 5.15)")),
                Check.of("bpffs", () -> Verdict.warn("not mounted: mount -t bpf bpf /sys/fs/bpf"))));
        assertThat(code).isEqualTo(ExitCodes.OK);
        assertThat(out.toString()).isEqualTo("""
                ok    kernel  6.18.44 (>= 5.15)
                warn  bpffs   not mounted: mount -t bpf bpf /sys/fs/bpf
                cordon can run on this host (1 warning).
                """);
        assertThat(err.toString()).isEmpty(); // libbpf's log is discarded without --debug
    }

    @Test
    void exitsOneOnAnyFail() {
        int code = run(List.of(
                Check.of("root", () -> Verdict.fail("not root: run as root (sudo cordon doctor)")),
                Check.of("kernel", () -> Verdict.ok("6.18.44 (>= 5.15)"))));
        assertThat(code).isEqualTo(ExitCodes.DOCTOR_FAILED).isEqualTo(1);
        assertThat(out.toString()).contains("FAIL  root    not root: run as root (sudo cordon doctor)")
                .endsWith("cordon cannot run on this host: fix the FAIL row above.\n");
    }

    @Test
    void aCheckThatThrowsIsAFailRowAndExitOne() {
        int code = run(List.of(Check.of("libbpf", () -> {
            throw new UnsatisfiedLinkError("libbpf.so.1 not found; install Debian's libbpf1 (apt-get install -y libbpf1)");
        })));
        assertThat(code).isEqualTo(1);
        assertThat(out.toString()).startsWith("FAIL  libbpf  libbpf.so.1 not found;");
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void debugSendsLibbpfsLogToStderr() {
        int code = run(List.of(Check.of("kernel", () -> Verdict.ok("fine"))), "--debug");
        assertThat(code).isZero();
        assertThat(err.toString()).isEqualTo("cordon: debug: libbpf: warn: libbpf says hello\n");
        assertThat(out.toString()).doesNotContain("hello");
    }
}
