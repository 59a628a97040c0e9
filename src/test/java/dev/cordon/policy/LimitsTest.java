package dev.cordon.policy;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LimitsTest {
    @Test
    void sizesArePowersOf1024AndKeepTheirText() {
        assertThat(Limits.parseMemory("512M")).isEqualTo(new Limits.Memory(512L << 20, "512M"));
        assertThat(Limits.parseMemory("1.5G").bytes()).isEqualTo(3L << 29);
        assertThat(Limits.parseMemory("64MiB").bytes()).isEqualTo(64L << 20);
        assertThat(Limits.parseMemory("2gb").bytes()).isEqualTo(2L << 30);
        assertThat(Limits.parseMemory(" 1048576 ").bytes()).isEqualTo(1L << 20);
        assertThat(Limits.parseMemory("1T").bytes()).isEqualTo(1L << 40);
    }

    @Test
    void badSizesSayWhatToWrite() {
        assertThatThrownBy(() -> Limits.parseMemory("lots")).isInstanceOf(PolicyException.class).hasMessageContaining("e.g. 512M");
        assertThatThrownBy(() -> Limits.parseMemory("512X")).hasMessageContaining("not a size");
        assertThatThrownBy(() -> Limits.parseMemory("-1M")).hasMessageContaining("not a size");
        assertThatThrownBy(() -> Limits.parseMemory("100K")).hasMessageContaining("below 1M");
        assertThatThrownBy(() -> Limits.parseMemory("99999999999T")).hasMessageContaining("too large");
    }

    @Test
    void cpuIsCoresAndBecomesAQuotaPerPeriod() {
        Limits half = new Limits(null, Limits.parseCpu("0.5"), null);
        assertThat(half.cpuQuotaUs()).isEqualTo(50_000);
        assertThat(new Limits(null, Limits.parseCpu("2"), null).cpuQuotaUs()).isEqualTo(200_000);
        assertThat(Limits.parseCpu("1.50")).isEqualTo(new BigDecimal("1.5"));
        assertThatThrownBy(() -> Limits.parseCpu("0.001")).hasMessageContaining("below 0.01");
        assertThatThrownBy(() -> Limits.parseCpu("half")).hasMessageContaining("not a number of cores");
        assertThatThrownBy(() -> Limits.parseCpu("100000")).hasMessageContaining("more cores");
    }

    @Test
    void ratesAreBitsAsTcWritesThemOrBytesPerSecond() {
        assertThat(Limits.parseRate("10Mbit")).isEqualTo(new Limits.Rate(1_250_000, "10Mbit"));
        assertThat(Limits.parseRate("500kbit").bytesPerSecond()).isEqualTo(62_500);
        assertThat(Limits.parseRate("1Gbit/s").bytesPerSecond()).isEqualTo(125_000_000);
        assertThat(Limits.parseRate("2MB/s").bytesPerSecond()).isEqualTo(2_000_000);
        assertThat(Limits.parseRate("512KiB/s").bytesPerSecond()).isEqualTo(512 * 1024);
        assertThat(Limits.parseRate("1.5mbit").bytesPerSecond()).isEqualTo(187_500);
        assertThatThrownBy(() -> Limits.parseRate("10Mb")).as("bits or bytes? say which").hasMessageContaining("e.g. 10Mbit");
        assertThatThrownBy(() -> Limits.parseRate("fast")).hasMessageContaining("not a bandwidth");
        assertThatThrownBy(() -> Limits.parseRate("1kbit")).hasMessageContaining("below 8kbit");
        assertThatThrownBy(() -> Limits.parseRate("99Tbit")).hasMessageContaining("more than any interface");
    }

    @Test
    void pidsAreAWholeNumberOfAtLeastOne() {
        assertThat(Limits.parsePids("100")).isEqualTo(100);
        assertThatThrownBy(() -> Limits.parsePids("0")).hasMessageContaining("below 1");
        assertThatThrownBy(() -> Limits.parsePids("1e3")).hasMessageContaining("whole number");
    }

    @Test
    void optionsOverrideTheFileOneByOne() {
        Limits file = new Limits(Limits.parseMemory("1G"), Limits.parseCpu("1"), 50L);
        Limits options = new Limits(null, Limits.parseCpu("0.5"), null);
        assertThat(file.overriddenBy(options)).isEqualTo(new Limits(Limits.parseMemory("1G"), new BigDecimal("0.5"), 50L));
        assertThat(Limits.NONE.needsControllers()).isFalse();
        assertThat(options.needsControllers()).isTrue();
        assertThat(new Limits(null, null, null, Limits.parseRate("10Mbit")).needsControllers()).as("the kernel programs enforce a rate").isFalse();
    }
}
