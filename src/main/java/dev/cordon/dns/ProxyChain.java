package dev.cordon.dns;

import java.util.HexFormat;

/**
 * How a guard's proxy takes part in nested guards: the token it believes an inner guard's proxy
 * by ({@link OwnerOption}), and the outer guard's token when it forwards to that guard's proxy.
 *
 * @param token      this proxy's chain token, or null to believe no one (cordon run)
 * @param outerToken the outer guard's token, or null when this proxy does not forward to one
 */
public record ProxyChain(byte[] token, byte[] outerToken) {
    /** Neither lends nor borrows: cordon run, and the tests. */
    public static final ProxyChain NONE = new ProxyChain(null, null);

    /** A guard's: a new token of its own, and the outer guard's from its record ({@code outerTokenHex} null or unreadable: none). */
    public static ProxyChain forGuard(String outerTokenHex) {
        return new ProxyChain(OwnerOption.newToken(), OwnerOption.parseToken(outerTokenHex));
    }

    /** This proxy's token as the session record keeps it, or "" when it has none. */
    public String tokenText() {
        return token == null ? "" : HexFormat.of().formatHex(token);
    }
}
