package dev.cordon.examples;

import dev.cordon.dns.DnsCounters;
import dev.cordon.metrics.GuardMetrics;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * examples/prometheus as Prometheus reads them: promtool (Debian's prometheus package) checks the
 * alerting rules and runs their unit tests; and every metric they name is one a guard serves.
 */
class PrometheusRulesTest {
    private static final Path DIR = Path.of("examples/prometheus");

    private static String promtool(String... args) throws IOException, InterruptedException {
        List<String> argv = new java.util.ArrayList<>(List.of("promtool"));
        argv.addAll(List.of(args));
        Process p = new ProcessBuilder(argv).directory(DIR.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("promtool %s:\n%s", String.join(" ", args), out).isZero();
        return out;
    }

    @Test
    void theRulesAreValid() throws IOException, InterruptedException {
        assertThat(promtool("check", "rules", "cordon-rules.yml")).contains("SUCCESS: 6 rules found");
    }

    @Test
    void eachAlertFiresWhenItShouldAndOnlyThen() throws IOException, InterruptedException {
        assertThat(promtool("test", "rules", "cordon-rules.test.yml")).contains("SUCCESS");
        Set<String> alerts = names(Files.readString(DIR.resolve("cordon-rules.yml")), "alert: (\\w+)");
        Set<String> tested = names(Files.readString(DIR.resolve("cordon-rules.test.yml")), "alertname: (\\w+)");
        assertThat(tested).as("every alert has a test").containsAll(alerts);
    }

    @Test
    void everyMetricTheRulesNameIsOneAGuardServes() throws IOException {
        GuardMetrics m = new GuardMetrics();
        m.watch(new GuardMetrics.Sources(() -> 0, () -> 0, () -> 0, 131_072, new DnsCounters()));
        String served = m.scrape();
        Set<String> used = names(Files.readString(DIR.resolve("cordon-rules.yml")), "\\b(cordon_[a-z_]+)");
        assertThat(used).isNotEmpty().allSatisfy(name -> assertThat(served).containsAnyOf("\n" + name + " ", "\n" + name + "{"));
    }

    private static Set<String> names(String text, String regex) {
        Set<String> found = new TreeSet<>();
        Matcher m = Pattern.compile(regex).matcher(text);
        while (m.find()) found.add(m.group(1));
        return found;
    }
}
