package dev.cordon.otlp;

import dev.cordon.events.Escape;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Where and how cordon sends OpenTelemetry logs and metrics (OTLP over HTTP, protobuf): from {@code --otlp URL}, or
 * else the standard {@code OTEL_EXPORTER_OTLP_*}, {@code OTEL_RESOURCE_ATTRIBUTES} and {@code OTEL_SERVICE_NAME}
 * variables. Plain data: reading it loads no OpenTelemetry class.
 *
 * @param endpoint    the collector's base URL ({@code http://127.0.0.1:4318}); logs go to {@code /v1/logs} below it,
 *                    metrics to {@code /v1/metrics}
 * @param headers     sent with every request (OTEL_EXPORTER_OTLP_HEADERS: API keys, tenant ids)
 * @param resource    extra resource attributes (OTEL_RESOURCE_ATTRIBUTES)
 * @param serviceName {@code service.name}: OTEL_SERVICE_NAME, else OTEL_RESOURCE_ATTRIBUTES' one, else {@code cordon}
 * @param gzip        compress requests (OTEL_EXPORTER_OTLP_COMPRESSION=gzip)
 * @param all         allowed attempts and queries too ({@code --otlp-all}), not only blocked, audited and outage ones
 */
public record OtlpSettings(URI endpoint, Map<String, String> headers, Map<String, String> resource, String serviceName,
                           boolean gzip, boolean all) {
    /** How long cordon's exit waits at most for the last records and metrics to reach the collector. */
    public static final int FLUSH_SECONDS = 2;
    public static final Duration FLUSH = Duration.ofSeconds(FLUSH_SECONDS);

    public static final String ENDPOINT = "OTEL_EXPORTER_OTLP_ENDPOINT", HEADERS = "OTEL_EXPORTER_OTLP_HEADERS",
            PROTOCOL = "OTEL_EXPORTER_OTLP_PROTOCOL", COMPRESSION = "OTEL_EXPORTER_OTLP_COMPRESSION",
            RESOURCE = "OTEL_RESOURCE_ATTRIBUTES", SERVICE_NAME = "OTEL_SERVICE_NAME";
    public static final String DEFAULT_SERVICE_NAME = "cordon";

    public OtlpSettings {
        headers = Map.copyOf(headers);
        resource = Map.copyOf(resource);
    }

    /**
     * The settings, or null when export is off (neither {@code --otlp} nor OTEL_EXPORTER_OTLP_ENDPOINT).
     *
     * @param option {@code --otlp}'s URL, or null; it wins over the environment's endpoint
     * @throws IllegalArgumentException with what is wrong and how to fix it; never with a header's value (a secret)
     */
    public static OtlpSettings from(String option, boolean all, Map<String, String> env) {
        String given = option != null ? option : blankToNull(env.get(ENDPOINT));
        if (given == null) {
            if (all) throw new IllegalArgumentException("--otlp-all needs --otlp URL or " + ENDPOINT);
            return null;
        }
        String from = option != null ? "--otlp" : ENDPOINT;
        String protocol = blankToNull(env.get(PROTOCOL));
        if (protocol != null && !protocol.strip().equals("http/protobuf")) {
            throw new IllegalArgumentException(PROTOCOL + "=" + protocol.strip() + ": cordon sends OTLP over HTTP with protobuf "
                    + "only; point " + from + " at the collector's OTLP/HTTP receiver (port 4318) and set " + PROTOCOL
                    + "=http/protobuf or unset it");
        }
        Map<String, String> resource = pairs(RESOURCE, env.get(RESOURCE), true);
        String service = blankToNull(env.get(SERVICE_NAME));
        if (service == null) service = resource.getOrDefault("service.name", DEFAULT_SERVICE_NAME);
        resource.remove("service.name");
        return new OtlpSettings(endpoint(from, given), pairs(HEADERS, env.get(HEADERS), false), resource, service.strip(),
                gzip(env.get(COMPRESSION)), all);
    }

    /** Where logs go: {@code /v1/logs} below the base URL. */
    public URI logs() {
        return signal("v1/logs");
    }

    /** Where metrics go: {@code /v1/metrics} below the base URL. */
    public URI metrics() {
        return signal("v1/metrics");
    }

    private URI signal(String path) {
        String base = endpoint.toString();
        return URI.create(base.endsWith("/") ? base + path : base + "/" + path);
    }

    /** The endpoint for messages: scheme, host, port and path (escaped), never a user or password in it. */
    public String shown() {
        return Escape.visible(endpoint.getScheme() + "://" + endpoint.getHost() + (endpoint.getPort() < 0 ? "" : ":" + endpoint.getPort())
                + (endpoint.getRawPath() == null ? "" : endpoint.getRawPath()));
    }

    private static URI endpoint(String from, String value) {
        String notBase = from + ": give the collector's base URL as http://HOST:PORT or https://HOST:PORT, e.g. http://127.0.0.1:4318";
        URI uri;
        try {
            uri = new URI(value.strip());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(notBase);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) throw new IllegalArgumentException(notBase);
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException(from + ": the collector's base URL takes no query or fragment");
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath().replaceAll("/+$", "");
        if (path.matches(".*/v1/(logs|metrics|traces)")) {
            throw new IllegalArgumentException(from + ": give the collector's base URL, without /v1/logs or /v1/metrics "
                    + "(cordon adds them), e.g. http://127.0.0.1:4318");
        }
        return uri;
    }

    /**
     * {@code key=value,key2=value2}, values percent-decoded (the W3C Baggage form both variables use).
     *
     * @param showValues whether an error may quote the entry (never for headers: they carry secrets)
     */
    static Map<String, String> pairs(String variable, String text, boolean showValues) {
        Map<String, String> out = new LinkedHashMap<>();
        if (text == null || text.isBlank()) return out;
        String[] entries = text.split(",", -1);
        for (int i = 0; i < entries.length; i++) {
            String entry = entries[i];
            if (entry.isBlank()) continue;
            int eq = entry.indexOf('=');
            String key = eq < 0 ? "" : entry.substring(0, eq).strip();
            if (key.isEmpty()) {
                throw new IllegalArgumentException(variable + ": entry " + (i + 1) + (showValues ? " (" + entry.strip() + ")" : "")
                        + " is not key=value; write key1=value1,key2=value2");
            }
            try {
                out.put(key, URLDecoder.decode(entry.substring(eq + 1).strip().replace("+", "%2B"), StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(variable + ": the value of " + key + " has a bad percent escape");
            }
        }
        return out;
    }

    private static boolean gzip(String compression) {
        String c = blankToNull(compression);
        if (c == null || c.strip().equalsIgnoreCase("none")) return false;
        if (c.strip().equalsIgnoreCase("gzip")) return true;
        throw new IllegalArgumentException(COMPRESSION + "=" + c.strip() + ": give gzip or none");
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
