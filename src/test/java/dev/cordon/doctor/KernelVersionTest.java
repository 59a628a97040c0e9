package dev.cordon.doctor;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class KernelVersionTest {
    @ParameterizedTest
    @CsvSource({
            "6.18.44-fc-v595, 6, 18, 44",
            "5.10.0-28-amd64, 5, 10, 0",
            "4.18.0-513.24.1.el8_9.x86_64, 4, 18, 0",
            "5.15.0-1034-azure, 5, 15, 0",
            "6.8.0-rc3, 6, 8, 0",
            "6.1, 6, 1, 0",
            "6.6.30+rpt-rpi-v8, 6, 6, 30",
            "'  6.12.9-arch1-1\n', 6, 12, 9"})
    void parsesReleaseStrings(String release, int major, int minor, int patch) {
        assertThat(KernelVersion.parse(release)).contains(new KernelVersion(major, minor, patch));
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", "linux", "v6.1", "6", "6.", ".18.44", "99999.1"})
    void rejectsWhatIsNotAVersion(String release) {
        assertThat(KernelVersion.parse(release)).isEmpty();
    }

    @Test
    void comparesByMajorMinorPatch() {
        KernelVersion v = new KernelVersion(5, 14, 21);
        assertThat(v.atLeast(5, 14)).isTrue();
        assertThat(v.atLeast(5, 15)).isFalse();
        assertThat(v.atLeast(4, 99)).isTrue();
        assertThat(v.atLeast(6, 0)).isFalse();
        assertThat(v).isLessThan(new KernelVersion(5, 15, 0)).isGreaterThan(new KernelVersion(5, 14, 9));
        assertThat(v).hasToString("5.14.21");
    }
}
