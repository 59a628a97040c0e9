package dev.cordon.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The AOT cache bin/cordon starts with (recorded by bin/aot-train in the build) is used when it
 * fits, and is never a reason to fail: missing, stale, made by another JDK or damaged, cordon runs
 * the same, and the JVM's complaints about it never reach the command's stdout or stderr.
 * {@code CORDON_TRACE_STARTUP} makes the launcher say which it was.
 */
class AotCacheIT {
    @RegisterExtension
    static final KernelTestSupport kernel = new KernelTestSupport();

    private static final Path HOME = Path.of(System.getProperty("cordon.home", "."));
    private static final Path CACHE = HOME.resolve("target/cordon.aot");
    private static final List<String> RUN = List.of("run", "--upstream", "127.0.0.1:9", "--", "echo", "hi");

    private CordonResult runWith(Path cache) {
        return kernel.start(Map.of("CORDON_AOT_CACHE", cache.toString(), "CORDON_TRACE_STARTUP", "1"), RUN)
                .await(KernelTestSupport.RUN_TIMEOUT);
    }

    /** The run did its job and printed nothing but the command's output and cordon's trace lines. */
    private static void assertCleanRun(CordonResult r, String aotState) {
        assertThat(r.exitCode()).as("%s", r).isZero();
        assertThat(r.stdout()).as("stdout is the command's alone\n%s", r).isEqualTo("hi\n");
        assertThat(r.stderrLines()).as("%s", r).contains("cordon: trace: aot cache " + aotState)
                .allMatch(l -> l.startsWith("cordon: trace: "), "only trace lines (no JVM warnings about the cache)");
    }

    @Test
    void theBuildsCacheIsUsed() {
        assertThat(CACHE).as("bin/aot-train records it during `mvn package` (see target/aot-train.log)").isNotEmptyFile();
        assertCleanRun(runWith(CACHE), "used");
    }

    @Test
    void aMissingCacheOnlyMeansASlowerStart() {
        assertCleanRun(runWith(kernel.dir().resolve("none.aot")), "missing");
    }

    @Test
    void aCacheOlderThanTheJarIsNotUsed() throws IOException {
        Path stale = copyOfCache("stale.aot");
        Files.setLastModifiedTime(stale, FileTime.fromMillis(Files.getLastModifiedTime(HOME.resolve("target/cordon.jar")).toMillis() - 60_000));
        assertCleanRun(runWith(stale), "stale");
    }

    @Test
    void aCacheMadeByAnotherJdkIsNotUsed() throws IOException {
        Path other = copyOfCache("other-jdk.aot");
        Files.writeString(Path.of(other + ".jdk"), "/usr/lib/jvm/some-other-jdk\n");
        assertCleanRun(runWith(other), "stale");
    }

    @Test
    void aDamagedCacheIsIgnoredByTheJvmWithoutAWord() throws IOException {
        Path damaged = kernel.dir().resolve("damaged.aot");
        byte[] head = new byte[64 * 1024];
        try (InputStream in = Files.newInputStream(CACHE)) {
            int n = in.readNBytes(head, 0, head.length);
            assertThat(n).isEqualTo(head.length);
        }
        Files.write(damaged, head); // a truncated cache: newer than the jar, so the launcher passes it on
        Files.copy(Path.of(CACHE + ".jdk"), Path.of(damaged + ".jdk"));
        assertCleanRun(runWith(damaged), "used");
    }

    @Test
    void oldClassFilesInTheLibrariesWereUpgradedForTheCache() throws IOException {
        // picocli is compiled for Java 5; the cache cannot hold such classes once they are linked.
        Path picocli;
        try (var libs = Files.list(HOME.resolve("target/lib"))) {
            picocli = libs.filter(p -> p.getFileName().toString().startsWith("picocli-")).findFirst().orElseThrow();
        }
        try (JarFile jar = new JarFile(picocli.toFile())) {
            ZipEntry e = jar.getEntry("picocli/CommandLine.class");
            byte[] b;
            try (InputStream in = jar.getInputStream(e)) {
                b = in.readNBytes(8);
            }
            int major = ((b[6] & 0xff) << 8) | (b[7] & 0xff);
            assertThat(major).as("class file major version of picocli.CommandLine in " + picocli).isGreaterThanOrEqualTo(50);
        }
    }

    private Path copyOfCache(String name) throws IOException {
        Path copy = kernel.dir().resolve(name);
        Files.copy(CACHE, copy);
        Files.copy(Path.of(CACHE + ".jdk"), Path.of(copy + ".jdk"));
        return copy;
    }
}
