package dev.cordon.cli;

import dev.cordon.policy.Cidr;
import dev.cordon.policy.DomainPattern;
import dev.cordon.policy.Limits;
import dev.cordon.policy.PolicyException;
import dev.cordon.policy.Upstreams;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/** picocli's converters for cordon's option values: each parse error is one line naming the value. */
final class Converters {
    private Converters() {}

    /** Turns a parser's PolicyException into picocli's conversion error (one line, names the value). */
    abstract static class PolicyConverter<T> implements ITypeConverter<T> {
        private final Function<String, T> parse;

        PolicyConverter(Function<String, T> parse) {
            this.parse = parse;
        }

        @Override
        public T convert(String value) {
            try {
                return parse.apply(value);
            } catch (PolicyException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    static final class DomainConverter extends PolicyConverter<DomainPattern> {
        DomainConverter() {
            super(DomainPattern::parse);
        }
    }

    static final class UpstreamConverter extends PolicyConverter<InetSocketAddress> {
        UpstreamConverter() {
            super(Upstreams::parse);
        }
    }

    /** {@code 10s}, {@code 500ms}, {@code 2m}, or plain seconds ({@code 1.5}). */
    static final class DurationConverter implements ITypeConverter<java.time.Duration> {
        @Override
        public java.time.Duration convert(String value) {
            String v = value.strip().toLowerCase(java.util.Locale.ROOT);
            try {
                if (v.endsWith("ms")) return java.time.Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
                double n;
                long unitMs;
                if (v.endsWith("s")) { n = Double.parseDouble(v.substring(0, v.length() - 1)); unitMs = 1000; }
                else if (v.endsWith("m")) { n = Double.parseDouble(v.substring(0, v.length() - 1)); unitMs = 60_000; }
                else { n = Double.parseDouble(v); unitMs = 1000; }
                if (!Double.isFinite(n) || n < 0) throw new NumberFormatException();
                return java.time.Duration.ofMillis(Math.round(n * unitMs));
            } catch (NumberFormatException e) {
                throw new TypeConversionException("'" + value + "' is not a duration; use e.g. 10s, 500ms or 2m");
            }
        }
    }

    /** Checks the extension up front, so a bad --report fails before the command runs. */
    static final class ReportFileConverter implements ITypeConverter<Path> {
        @Override
        public Path convert(String value) {
            Path p = Path.of(value);
            try {
                dev.cordon.report.ReportFormat.forFile(p);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
            return p;
        }
    }

    /** A capability cordon drops, by setpriv's or /proc's name; anything else is an error naming the choices. */
    static final class KeepCapConverter implements ITypeConverter<dev.cordon.sys.Capability> {
        @Override
        public dev.cordon.sys.Capability convert(String value) {
            try {
                return dev.cordon.session.Containment.parseKeep(List.of(value)).iterator().next();
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** Looked up now, so an unknown user fails before anything is set up. */
    static final class UserConverter implements ITypeConverter<dev.cordon.sys.UserAccount> {
        @Override
        public dev.cordon.sys.UserAccount convert(String value) {
            return dev.cordon.sys.UserAccount.lookup(value).orElseThrow(() -> new TypeConversionException(
                    "unknown user '" + dev.cordon.events.Escape.visible(value) + "': no such user in the system's account database"));
        }
    }

    static final class MemoryConverter extends PolicyConverter<Limits.Memory> {
        MemoryConverter() {
            super(Limits::parseMemory);
        }
    }

    static final class CpuConverter extends PolicyConverter<java.math.BigDecimal> {
        CpuConverter() {
            super(Limits::parseCpu);
        }
    }

    static final class RateConverter extends PolicyConverter<Limits.Rate> {
        RateConverter() {
            super(Limits::parseRate);
        }
    }

    static final class PidsConverter extends PolicyConverter<Long> {
        PidsConverter() {
            super(Limits::parsePids);
        }
    }

    static final class CidrConverter extends PolicyConverter<Cidr> {
        CidrConverter() {
            super(Cidr::parse);
        }
    }
}
