package dev.cordon.metrics;

import dev.cordon.dns.DnsCounters;
import dev.cordon.dns.DnsLatency;
import dev.cordon.events.DnsEvent;
import dev.cordon.events.Escape;
import dev.cordon.events.EventSink;
import dev.cordon.events.Fields;
import dev.cordon.events.NetAttempt;
import dev.cordon.events.PolicyReload;
import dev.cordon.events.RunStart;
import dev.cordon.events.Verdict;
import dev.cordon.report.analysis.Destinations;
import dev.cordon.report.live.LiveAttempts;
import io.prometheus.metrics.config.PrometheusProperties;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.Unit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.DoubleConsumer;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The metrics of one {@code cordon guard}, in Prometheus's client library: counted from the guard's
 * events (this is one of its sinks) and read from the guard's parts at each scrape ({@link #watch}).
 * Label names and values are the events file's (docs/EVENTS.md): {@code type}, {@code verdict},
 * {@code rule}, {@code task}, {@code applied}. Only {@code cordon guard --metrics-listen} loads this
 * class, and with it the library.
 */
public final class GuardMetrics implements EventSink {
    /** Series of {@code cordon_attempts_total} before new (rule, task) pairs count under {@code _other}. */
    public static final int ATTEMPT_SERIES = 1000;
    /** Destinations remembered to tell a new one: the report's bound; past it none is counted as new. */
    public static final int DESTINATIONS_REMEMBERED = Destinations.MAX_KEPT;

    /**
     * The guard's parts a scrape reads, once it is attached.
     *
     * @param learned, learnedRefused  null without the DNS proxy
     * @param dns                      null without the DNS proxy
     */
    public record Sources(LongSupplier droppedEvents, LongSupplier learned, LongSupplier learnedRefused, long learnedLimit,
                          DnsCounters dns) {
        /** These values as they are now, never read from the guard again (it is detaching). */
        Sources frozen() {
            long dropped = droppedEvents.getAsLong();
            LongSupplier l = learned == null ? null : constant(learned.getAsLong());
            LongSupplier r = learnedRefused == null ? null : constant(learnedRefused.getAsLong());
            return new Sources(() -> dropped, l, r, learnedLimit, dns);
        }

        private static LongSupplier constant(long v) {
            return () -> v;
        }
    }

    /** {@link DnsLatency}'s bounds and +Inf. */
    private static final double[] LATENCY_BOUNDS;

    static {
        double[] b = DnsLatency.boundsSeconds();
        LATENCY_BOUNDS = Arrays.copyOf(b, b.length + 1);
        LATENCY_BOUNDS[b.length] = Double.POSITIVE_INFINITY;
    }

    private final PrometheusProperties properties = settings();
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter attempts;
    private final SeriesCap attemptSeries = new SeriesCap(ATTEMPT_SERIES, false, false, true, true);
    private final Counter newDestinations;
    private final Set<String> destinationsSeen = ConcurrentHashMap.newKeySet();
    private final Counter reloads;
    private final Gauge lastReloadSuccessful;
    private final Gauge info;
    private String[] infoLabels;
    private volatile Sources sources;

    public GuardMetrics() {
        attempts = Counter.builder(properties).name("cordon_attempts_total")
                .help("Attempts cordon decided, one per dns, connect, sendmsg and socket record of the events file "
                        + "(allowed ones too): type, verdict, rule and task as there")
                .labelNames(Fields.TYPE, Fields.VERDICT, Fields.RULE, Fields.TASK).withoutExemplars().register(registry);
        // No task label: every series exists from the start at 0, so increase() sees the first one too.
        newDestinations = Counter.builder(properties).name("cordon_new_destinations_total")
                .help("Destinations (a name, else address:port) blocked or audited for the first time since the guard started")
                .labelNames(Fields.VERDICT).withoutExemplars().register(registry);
        for (Verdict v : Verdict.values()) if (v.violation()) newDestinations.initLabelValues(Fields.label(v));
        reloads = Counter.builder(properties).name("cordon_policy_reloads_total")
                .help("Policy reloads (SIGHUP): applied=true put the file in force, applied=false kept the policy in force")
                .labelNames("applied").withoutExemplars().register(registry);
        for (String applied : List.of("true", "false")) reloads.initLabelValues(applied);
        lastReloadSuccessful = Gauge.builder(properties).name("cordon_policy_last_reload_successful")
                .help("1 if the last reload put the policy file in force (or there was none), 0 if the file had errors")
                .withoutExemplars().register(registry);
        lastReloadSuccessful.set(1);
        info = Gauge.builder(properties).name("cordon_guard_info")
                .help("The guarded cgroup, the mode and default in force, and cordon's version (always 1)")
                .labelNames("cgroup", "mode", "default", "version").withoutExemplars().register(registry);
        registerScrapeTimeMetrics();
    }

    private void registerScrapeTimeMetrics() {
        CounterWithCallback.builder(properties).name("cordon_ring_buffer_dropped_events_total")
                .help("Kernel events dropped because the ring buffer was full (attempts not counted here, nor in the events file)")
                .callback(cb -> emit(Sources::droppedEvents, cb::call)).register(registry);
        GaugeWithCallback.builder(properties).name("cordon_learned_addresses")
                .help("Addresses learned from DNS answers that the kernel holds now")
                .callback(cb -> emit(Sources::learned, cb::call)).register(registry);
        GaugeWithCallback.builder(properties).name("cordon_learned_addresses_limit")
                .help("Addresses the kernel can hold; past it new ones are not learned (cordon_learned_addresses_refused_total)")
                .callback(cb -> emit(s -> s.learned() == null ? null : s::learnedLimit, cb::call)).register(registry);
        CounterWithCallback.builder(properties).name("cordon_learned_addresses_refused_total")
                .help("Addresses not learned because the table was full: under --default deny, connects to them are refused")
                .callback(cb -> emit(Sources::learnedRefused, cb::call)).register(registry);
        CounterWithCallback.builder(properties).name("cordon_dns_failures_total")
                .help("Queries answered without a decision: SERVFAIL because no upstream answered (upstream), "
                        + "unparsable (malformed), SERVFAIL at once past the queries in flight (overloaded)")
                .labelNames("reason")
                .callback(cb -> {
                    emit(s -> dns(s, c -> c.upstreamFailures::get), v -> cb.call(v, "upstream"));
                    emit(s -> dns(s, c -> c.malformed::get), v -> cb.call(v, "malformed"));
                    emit(s -> dns(s, c -> c.overloaded::get), v -> cb.call(v, "overloaded"));
                }).register(registry);
        CounterWithCallback.builder(properties).name("cordon_dns_cache_hits_total")
                .help("Queries answered from the proxy's answer cache (still decided, learned and counted as attempts)")
                .callback(cb -> emit(s -> dns(s, c -> c.cacheHits::get), cb::call)).register(registry);
        registry.register(new LatencyCollector());
        CounterWithCallback.builder(properties).name("cordon_metrics_overflow_total")
                .help("Counts made under label value _other because a metric reached its series cap")
                .labelNames("metric")
                .callback(cb -> cb.call(attemptSeries.overflowed(), "cordon_attempts_total")).register(registry);
    }

    /**
     * Settings of our own, never the environment's: but the client reads those anyway when it first
     * loads ({@code PROMETHEUS_CONFIG}, {@code IO_PROMETHEUS_*}, {@code prometheus.*} system properties),
     * and a bad one stops it there.
     *
     * @throws IllegalStateException saying which setting and what to do
     */
    private static PrometheusProperties settings() {
        try {
            return PrometheusProperties.builder().build();
        } catch (ExceptionInInitializerError e) {
            StringBuilder why = new StringBuilder();
            for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
                if (c.getMessage() != null) why.append(why.isEmpty() ? "" : ": ").append(c.getMessage().replaceFirst("\\.$", ""));
            }
            throw new IllegalStateException("the Prometheus client cannot start: " + why + " (it reads PROMETHEUS_CONFIG, "
                    + "IO_PROMETHEUS_* variables and prometheus.* system properties when it loads; cordon uses none of them: "
                    + "unset them for cordon guard)", e);
        }
    }

    /** The settings the metrics were made with: the server's too. */
    PrometheusProperties properties() {
        return properties;
    }

    private static LongSupplier dns(Sources s, Function<DnsCounters, LongSupplier> which) {
        return s.dns() == null ? null : which.apply(s.dns());
    }

    /** Gives {@code out} the value {@code which} reads from the sources, once they are attached and if they have it. */
    private void emit(Function<Sources, LongSupplier> which, DoubleConsumer out) {
        Long v = value(which);
        if (v != null) out.accept(v);
    }

    private synchronized Long value(Function<Sources, LongSupplier> which) {
        Sources s = sources;
        LongSupplier v = s == null ? null : which.apply(s);
        return v == null ? null : v.getAsLong();
    }

    private synchronized DnsLatency.Snapshot latency() {
        Sources s = sources;
        return s == null || s.dns() == null ? null : s.dns().latency.snapshot();
    }

    /** From now on scrapes read the guard's parts. */
    public void watch(Sources s) {
        sources = s;
    }

    /**
     * Scrapes stop reading the guard's parts and show their last values: call before it detaches.
     * Waits for a scrape reading them now.
     */
    public synchronized void freeze() {
        Sources s = sources;
        if (s != null) sources = s.frozen();
    }

    PrometheusRegistry registry() {
        return registry;
    }

    /** The Prometheus text format of everything now (tests, and measuring a scrape's size). */
    public String scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            PrometheusTextFormatWriter.create().write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void attempt(NetAttempt a) {
        Verdict v = a.event().verdict();
        String task = a.who().task();
        attempts.labelValues(attemptSeries.admit(a.event().hook().label, Fields.label(v), text(a.rule()), text(task))).inc();
        if (v.violation()) newDestination(v, LiveAttempts.destination(a));
    }

    @Override
    public void dns(DnsEvent e) {
        Verdict v = e.verdict();
        String task = e.who().task();
        attempts.labelValues(attemptSeries.admit("dns", Fields.label(v), text(e.rule()), text(task))).inc();
        if (v.violation()) newDestination(v, LiveAttempts.destination(e));
    }

    private void newDestination(Verdict v, String destination) {
        String key = Fields.label(v) + " " + destination;
        if (destinationsSeen.contains(key) || destinationsSeen.size() >= DESTINATIONS_REMEMBERED || !destinationsSeen.add(key)) return;
        newDestinations.labelValues(Fields.label(v)).inc();
    }

    @Override
    public void runStarted(RunStart s) {
        info(s.guard(), s.mode(), s.defaultAction(), s.cordonVersion());
    }

    @Override
    public synchronized void policyReloaded(PolicyReload r) {
        reloads.labelValues(Boolean.toString(r.applied())).inc();
        lastReloadSuccessful.set(r.applied() ? 1 : 0);
        if (infoLabels != null) info(infoLabels[0], r.mode(), r.defaultAction(), infoLabels[3]);
    }

    /** One series: the new one is set before the old one goes, so a scrape never sees none. */
    private synchronized void info(String cgroup, String mode, String defaultAction, String version) {
        String[] now = {text(cgroup), nonNull(mode), nonNull(defaultAction), text(version)};
        info.labelValues(now).set(1);
        if (infoLabels != null && !List.of(infoLabels).equals(List.of(now))) info.remove(infoLabels);
        infoLabels = now;
    }

    private static String nonNull(String s) {
        return s == null ? "" : s;
    }

    /** An untrusted label value (a task is any cgroup's name) that {@code curl /metrics} on a terminal shows safely; null: none. */
    private static String text(String value) {
        return value == null ? "" : Escape.controls(value);
    }

    /** {@code cordon_dns_proxy_duration_seconds}: the proxy's own lock-free buckets ({@link DnsLatency}), read at scrape. */
    private final class LatencyCollector implements Collector {
        @Override
        public MetricSnapshot collect() {
            DnsLatency.Snapshot now = latency();
            if (now == null) return null;
            return HistogramSnapshot.builder().name("cordon_dns_proxy_duration_seconds").unit(Unit.SECONDS)
                    .help("How long the DNS proxy took to answer a query, from reading it to sending the answer: upstream "
                            + "round trips and simulated-outage waits included")
                    .dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder()
                            .classicHistogramBuckets(ClassicHistogramBuckets.of(LATENCY_BOUNDS, now.counts()))
                            .sum(now.sumNs() / 1e9).build())
                    .build();
        }

        @Override
        public String getPrometheusName() {
            return "cordon_dns_proxy_duration_seconds";
        }
    }
}
