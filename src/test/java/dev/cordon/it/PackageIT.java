package dev.cordon.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Debian package (target/cordon_VERSION_amd64.deb, made by bin/package in `mvn package`) as an
 * SRE's configuration management uses it: apt-get installs it, /usr/bin/cordon runs doctor and the
 * demo on a fresh host (bin/fresh-host) with the package's own Java runtime and AOT cache and no
 * JDK named in its environment, then the package is removed and purged, and the host is as it was:
 * no file of the package, nothing in dpkg's records, no session left (KernelTestSupport). The git
 * checkout's bin/cordon works while the package is installed and after. lintian finds nothing wrong.
 */
class PackageIT {
    @RegisterExtension
    static final KernelTestSupport kernel = new KernelTestSupport();

    private static final Path LAUNCHER = Path.of("/usr/bin/cordon"), LIB = Path.of("/usr/lib/cordon");
    private static final Path DOC = Path.of("/usr/share/doc/cordon"), MAN = Path.of("/usr/share/man/man1");
    private static final List<String> NO_JDK = List.of("env", "-u", "JAVA_HOME", "-u", "JDK_JAVA_OPTIONS", "PATH=/usr/sbin:/usr/bin:/sbin:/bin");

    /** /usr/bin/cordon on a fresh host, no JDK named; every step execs, so the pid stays cordon's. */
    private static final Layout INSTALLED = new Layout() {
        @Override
        public List<String> wrap(List<String> argv) {
            List<String> out = new ArrayList<>(List.of(Host.cordonHome().resolve("bin/fresh-host").toString()));
            out.addAll(NO_JDK);
            out.add(LAUNCHER.toString());
            out.addAll(argv.subList(1, argv.size())); // argv[0] is the git checkout's bin/cordon
            return out;
        }

        @Override
        public void close() {}
    };

    @Test
    void installedItRunsAndRemovedAndPurgedItLeavesTheHostAsItWas() {
        DebianPackage pkg = DebianPackage.built();
        assertThat(DebianPackage.status()).as("cordon is installed on this host; PackageIT installs and purges it itself: "
                + "apt-get purge cordon first").isEqualTo("not-installed");
        Map<Path, Boolean> before = existence(pkg.paths());
        assertThat(before.entrySet().stream().filter(e -> e.getValue() && !Files.isDirectory(e.getKey())).map(Map.Entry::getKey))
                .as("files the package would overwrite and its purge remove").isEmpty();
        Host.Out plan = DebianPackage.apt("install", "--simulate", pkg.deb().toString()).requireOk("apt-get install --simulate");
        assertThat(plan.out().lines().filter(l -> l.startsWith("Inst ")))
                .as("apt-get installs the package alone (its dependencies are here: bin/setup), so a purge undoes it all\n%s", plan.out())
                .singleElement().asString().startsWith("Inst cordon (" + pkg.version() + " ");
        try {
            DebianPackage.apt("install", pkg.deb().toString()).requireOk("apt-get install");
            assertInstalledAsPackaged(pkg);
            assertTheRuntimeAndItsCache();
            assertItRuns();
            assertTheGitCheckoutWorks();
            removeThenPurge(before);
        } finally {
            if (!DebianPackage.status().equals("not-installed")) DebianPackage.apt("purge", DebianPackage.NAME);
        }
        assertTheGitCheckoutWorks();
    }

    @Test
    void lintianFindsNoErrorOrWarning() throws IOException {
        DebianPackage pkg = DebianPackage.built();
        assertThat(Path.of("/usr/bin/lintian")).as("lintian checks the package: bin/setup --deps installs it").isExecutable();
        // lintian advises against running as root: as nobody, on a copy nobody can read.
        Path dir = Files.createTempDirectory("cordon-lintian-");
        try {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path deb = Files.copy(pkg.deb(), dir.resolve(pkg.deb().getFileName()));
            Files.setPosixFilePermissions(deb, PosixFilePermissions.fromString("rw-r--r--"));
            Host.Out r = Host.run(Duration.ofMinutes(3), "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                    "env", "-i", "PATH=/usr/bin:/bin", "HOME=/tmp", "TMPDIR=/tmp", "lintian", "--fail-on", "error,warning", deb.toString());
            assertThat(r.out() + r.err()).as("lintian (exit %d); overrides, each with its reason: src/deb/lintian-overrides", r.exit())
                    .doesNotContainPattern("(?m)^[EW]: ");
            assertThat(r.exit()).as(r.out() + r.err()).isZero();
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }

    private static void assertInstalledAsPackaged(DebianPackage pkg) {
        assertThat(DebianPackage.status()).isEqualTo("installed");
        assertThat(Host.run("dpkg-query", "--show", "--showformat=${Version}", DebianPackage.NAME).out()).isEqualTo(pkg.version());
        Host.Out verify = Host.run("dpkg", "--verify", DebianPackage.NAME);
        assertThat(verify.exit()).as("dpkg --verify: every file as packaged\n%s", verify.out()).isZero();
        assertThat(Host.run("dpkg-query", "--show", "--showformat=${Conffiles}", DebianPackage.NAME).out()).contains("/etc/cordon/README");
        assertThat(read(Path.of("/lib/systemd/system/cordon-guard@.service")))
                .isEqualTo(read(Host.cordonHome().resolve("examples/systemd/cordon-guard@.service")));
        assertThat(DOC.resolve("examples/allowlist.yaml")).isRegularFile();
        for (String page : List.of("cordon", "cordon-run", "cordon-guard", "cordon-policy-check", "cordon-report", "cordon-suggest",
                "cordon-demo", "cordon-doctor", "cordon-gc")) {
            assertThat(gunzip(MAN.resolve(page + ".1.gz"))).as(page).contains(".TH \"" + page.toUpperCase(java.util.Locale.ROOT).replace("-", "\\-") + "\" \"1\"");
        }
        assertThat(gunzip(MAN.resolve("cordon-run.1.gz"))).as("`--` stays two hyphens, not a dash").contains("[OPTIONS] \\-\\- COMMAND");
        Host.Out completion = Host.run("bash", "-c", ". /usr/share/bash-completion/completions/cordon && complete -p cordon");
        assertThat(completion.exit()).as(completion.err()).isZero();
    }

    /** A runtime, not a JDK, and the AOT cache fits it where it is installed (the JVM refuses a cache that does not, with AOTMode=on). */
    private static void assertTheRuntimeAndItsCache() {
        Path java = LIB.resolve("runtime/bin/java");
        String modules = Host.run(java.toString(), "--list-modules").requireOk("java --list-modules").out();
        assertThat(modules).contains("java.base@", "jdk.httpserver@").doesNotContain("jdk.compiler@", "jdk.jlink@", "jdk.jdeps@");
        List<String> cmd = new ArrayList<>(List.of(java.toString()));
        cmd.addAll(jvmFlags());
        cmd.addAll(List.of("-XX:AOTMode=on", "-XX:AOTCache=" + LIB.resolve("cordon.aot"), "-jar", LIB.resolve("cordon.jar").toString(), "--version"));
        Host.Out r = Host.run(cmd.toArray(String[]::new));
        assertThat(r.exit()).as("the JVM with the launcher's flags takes the cache\n%s%s", r.out(), r.err()).isZero();
        assertThat(r.out()).isEqualTo("cordon " + System.getProperty("cordon.version") + "\n");
    }

    /** The launcher's flags: bin/lib.sh's CORDON_JVM_FLAGS, their one owner (bin/package writes them into /usr/bin/cordon). */
    private static List<String> jvmFlags() {
        return Host.run("bash", "-c", ". \"$1/bin/lib.sh\" && printf '%s\\n' \"${CORDON_JVM_FLAGS[@]}\"", "flags", Host.cordonHome().toString())
                .requireOk("bin/lib.sh").out().lines().toList();
    }

    private static void assertItRuns() {
        assertVersion("used");
        Path jar = LIB.resolve("cordon.jar"), cache = LIB.resolve("cordon.aot");
        FileTime jarTime = mtime(jar);
        try {
            setMtime(jar, FileTime.fromMillis(mtime(cache).toMillis() + 60_000)); // as if the jar changed after the cache
            assertVersion("stale");
        } finally {
            setMtime(jar, jarTime);
        }
        Host.Out check = Host.run(LAUNCHER.toString(), "policy", "check", DOC.resolve("examples/allowlist.yaml").toString(),
                DOC.resolve("examples/github-blocklist.yaml").toString());
        assertThat(check.exit()).as("the example policies are valid\n%s%s", check.out(), check.err()).isZero();

        CordonResult doctor = kernel.start(INSTALLED, List.of("doctor")).await(Duration.ofSeconds(60));
        assertThat(doctor.exitCode()).as("%s", doctor).isZero();
        assertThat(doctor.stdout()).as("%s", doctor).contains("cordon can run on this host.");
        CordonResult demo = kernel.start(INSTALLED, List.of("demo")).await(Duration.ofSeconds(120));
        assertThat(demo.exitCode()).as("%s", demo).isZero();
        assertThat(demo.stdout() + demo.stderr()).as("%s", demo)
                .contains("-> exit 0: the deploy worked", "WARN DNS BLOCKED", "-> exit 6 after", "WARN DNS OUTAGE")
                .doesNotContain("internal error");
    }

    /** /usr/bin/cordon --version, without a JDK named, and what the launcher did with the AOT cache. */
    private static void assertVersion(String aotState) {
        List<String> cmd = new ArrayList<>(NO_JDK);
        cmd.addAll(List.of("CORDON_TRACE_STARTUP=" + System.nanoTime(), LAUNCHER.toString(), "--version"));
        Host.Out r = Host.run(cmd.toArray(String[]::new));
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("cordon " + System.getProperty("cordon.version") + "\n");
        assertThat(r.err()).contains("cordon: trace: aot cache " + aotState + "\n");
    }

    private static void assertTheGitCheckoutWorks() {
        CordonResult r = kernel.run("run", "--upstream", "127.0.0.1:9", "--", "true");
        assertThat(r.exitCode()).as("bin/cordon of the git checkout\n%s", r).isZero();
    }

    /** Remove keeps the conffile (the policy directory), purge takes it and dpkg forgets the package. */
    private static void removeThenPurge(Map<Path, Boolean> before) {
        DebianPackage.apt("remove", DebianPackage.NAME).requireOk("apt-get remove");
        assertThat(DebianPackage.status()).isEqualTo("config-files");
        assertThat(LAUNCHER).doesNotExist();
        assertThat(LIB).doesNotExist();
        assertThat(Path.of("/etc/cordon/README")).isRegularFile();
        DebianPackage.apt("purge", DebianPackage.NAME).requireOk("apt-get purge");
        assertThat(DebianPackage.status()).isEqualTo("not-installed");
        assertThat(existence(before.keySet())).as("every path of the package exists as before, or not").isEqualTo(before);
        try (Stream<Path> info = Files.list(Path.of("/var/lib/dpkg/info"))) {
            assertThat(info.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(DebianPackage.NAME + ".")))
                    .as("dpkg's records of the package").isEmpty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<Path, Boolean> existence(Iterable<Path> paths) {
        Map<Path, Boolean> m = new LinkedHashMap<>();
        for (Path p : paths) m.put(p, Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS));
        return m;
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String gunzip(Path p) {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(p))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static FileTime mtime(Path p) {
        try {
            return Files.getLastModifiedTime(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void setMtime(Path p, FileTime t) {
        try {
            Files.setLastModifiedTime(p, t);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
