package dev.cordon.otlp;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** --otlp and the standard OTEL_* variables: what turns export on, what each variable sets, and clear errors. */
class OtlpSettingsTest {
    private static final String URL = "http://127.0.0.1:4318";

    @Test
    void offWithoutTheOptionOrTheEndpointVariable() {
        assertThat(OtlpSettings.from(null, false, Map.of())).isNull();
        assertThat(OtlpSettings.from(null, false, Map.of(OtlpSettings.ENDPOINT, "  "))).isNull();
        assertThat(OtlpSettings.from(null, false, Map.of(OtlpSettings.HEADERS, "a=b"))).as("headers alone send nothing").isNull();
    }

    @Test
    void theOptionWinsOverTheVariableAndSignalsGoBelowTheBaseUrl() {
        OtlpSettings s = OtlpSettings.from("https://collector.example:4318/otlp", false, Map.of(OtlpSettings.ENDPOINT, URL));
        assertThat(s.endpoint()).isEqualTo(URI.create("https://collector.example:4318/otlp"));
        assertThat(s.logs()).isEqualTo(URI.create("https://collector.example:4318/otlp/v1/logs"));
        assertThat(s.metrics()).isEqualTo(URI.create("https://collector.example:4318/otlp/v1/metrics"));
        OtlpSettings env = OtlpSettings.from(null, true, Map.of(OtlpSettings.ENDPOINT, URL + "/"));
        assertThat(env.logs()).isEqualTo(URI.create(URL + "/v1/logs"));
        assertThat(env.all()).isTrue();
        assertThat(env.serviceName()).isEqualTo("cordon");
        assertThat(env.headers()).isEmpty();
        assertThat(env.gzip()).isFalse();
    }

    @Test
    void headersAndResourceAttributesAreKeyValueListsWithPercentEscapes() {
        OtlpSettings s = OtlpSettings.from(URL, false, Map.of(
                OtlpSettings.HEADERS, "Authorization=Basic%20dXNlcjpwYXNz, x-tenant=a+b,,",
                OtlpSettings.RESOURCE, "deployment.environment=prod,team=sre%2Cnet,service.name=deployer",
                OtlpSettings.COMPRESSION, "GZIP"));
        assertThat(s.headers()).containsExactlyInAnyOrderEntriesOf(Map.of("Authorization", "Basic dXNlcjpwYXNz", "x-tenant", "a+b"));
        assertThat(s.resource()).containsExactlyInAnyOrderEntriesOf(Map.of("deployment.environment", "prod", "team", "sre,net"));
        assertThat(s.serviceName()).as("OTEL_RESOURCE_ATTRIBUTES' service.name, without OTEL_SERVICE_NAME").isEqualTo("deployer");
        assertThat(s.gzip()).isTrue();
        assertThat(OtlpSettings.from(URL, false, Map.of(OtlpSettings.RESOURCE, "service.name=deployer", OtlpSettings.SERVICE_NAME,
                "cordon-ci")).serviceName()).isEqualTo("cordon-ci");
    }

    @Test
    void aBadHeaderIsNamedWithoutItsValue() {
        assertThatThrownBy(() -> OtlpSettings.from(URL, false, Map.of(OtlpSettings.HEADERS, "x-api-key=ok,Bearer s3cret")))
                .hasMessage("OTEL_EXPORTER_OTLP_HEADERS: entry 2 is not key=value; write key1=value1,key2=value2")
                .message().doesNotContain("s3cret");
        assertThatThrownBy(() -> OtlpSettings.from(URL, false, Map.of(OtlpSettings.HEADERS, "x-api-key=s3cret%zz")))
                .hasMessage("OTEL_EXPORTER_OTLP_HEADERS: the value of x-api-key has a bad percent escape");
        assertThatThrownBy(() -> OtlpSettings.from(URL, false, Map.of(OtlpSettings.RESOURCE, "=x")))
                .hasMessage("OTEL_RESOURCE_ATTRIBUTES: entry 1 (=x) is not key=value; write key1=value1,key2=value2");
    }

    @Test
    void onlyOtlpOverHttpWithProtobufIsSpoken() {
        assertThat(OtlpSettings.from(URL, false, Map.of(OtlpSettings.PROTOCOL, "http/protobuf"))).isNotNull();
        assertThatThrownBy(() -> OtlpSettings.from(null, false, Map.of(OtlpSettings.ENDPOINT, "http://127.0.0.1:4317",
                OtlpSettings.PROTOCOL, "grpc")))
                .hasMessage("OTEL_EXPORTER_OTLP_PROTOCOL=grpc: cordon sends OTLP over HTTP with protobuf only; point "
                        + "OTEL_EXPORTER_OTLP_ENDPOINT at the collector's OTLP/HTTP receiver (port 4318) and set "
                        + "OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf or unset it");
        assertThatThrownBy(() -> OtlpSettings.from(URL, false, Map.of(OtlpSettings.COMPRESSION, "zstd")))
                .hasMessage("OTEL_EXPORTER_OTLP_COMPRESSION=zstd: give gzip or none");
    }

    @Test
    void aUrlThatIsNotACollectorsBaseUrlIsRefused() {
        assertThatThrownBy(() -> OtlpSettings.from("127.0.0.1:4318", false, Map.of()))
                .hasMessage("--otlp: give the collector's base URL as http://HOST:PORT or https://HOST:PORT, e.g. http://127.0.0.1:4318");
        assertThatThrownBy(() -> OtlpSettings.from(null, false, Map.of(OtlpSettings.ENDPOINT, "http://collector:4318/v1/logs")))
                .hasMessage("OTEL_EXPORTER_OTLP_ENDPOINT: give the collector's base URL, without /v1/logs or /v1/metrics (cordon "
                        + "adds them), e.g. http://127.0.0.1:4318");
        assertThatThrownBy(() -> OtlpSettings.from("http://collector:4318/?x=1", false, Map.of()))
                .hasMessage("--otlp: the collector's base URL takes no query or fragment");
        assertThatThrownBy(() -> OtlpSettings.from("http://collector:43 18", false, Map.of()))
                .hasMessageStartingWith("--otlp: give the collector's base URL as");
        assertThatThrownBy(() -> OtlpSettings.from("udp://collector:4318", false, Map.of()))
                .hasMessageStartingWith("--otlp: give the collector's base URL as");
        assertThatThrownBy(() -> OtlpSettings.from(null, true, Map.of()))
                .hasMessage("--otlp-all needs --otlp URL or OTEL_EXPORTER_OTLP_ENDPOINT");
    }

    @Test
    void aUserAndPasswordInTheUrlAreNeverShown() {
        OtlpSettings s = OtlpSettings.from("https://fleet:s3cret@collector.example:4318/base", false, Map.of());
        assertThat(s.shown()).isEqualTo("https://collector.example:4318/base");
    }
}
