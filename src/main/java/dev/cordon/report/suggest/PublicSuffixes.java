package dev.cordon.report.suggest;

import dev.cordon.policy.DomainName;

import java.util.Set;

/**
 * A small built-in public suffix list: enough to never collapse names onto {@code co.uk} or
 * {@code github.io}, where the names below belong to unrelated owners. Under the shared cloud
 * domains (S3, CloudFront, ...) names are never grouped at all: every label below them is a tenant.
 */
final class PublicSuffixes {
    private PublicSuffixes() {}

    static final Set<String> SUFFIXES = Set.of(
            "com", "net", "org", "io", "co", "dev", "app", "ai", "me", "info", "biz", "edu", "gov", "mil", "int",
            "us", "uk", "de", "fr", "nl", "eu", "jp", "cn", "au", "ca", "ru", "br", "in", "it", "es", "ch", "se", "no",
            "co.uk", "org.uk", "ac.uk", "gov.uk", "co.jp", "com.cn", "com.au", "net.au", "com.br", "co.in", "co.nz",
            "github.io", "githubusercontent.com", "gitlab.io", "herokuapp.com", "appspot.com", "netlify.app",
            "vercel.app", "pages.dev", "workers.dev", "web.app", "firebaseapp.com", "azurewebsites.net",
            "cloudapp.net", "readthedocs.io");

    static final Set<String> SHARED_CLOUD = Set.of(
            "amazonaws.com", "cloudfront.net", "googleapis.com", "googleusercontent.com", "windows.net",
            "azureedge.net", "akamaized.net", "akamaiedge.net", "fastly.net", "cloudflare.net", "r2.dev");

    static boolean isSuffix(String name) {
        return SUFFIXES.contains(name) || SHARED_CLOUD.contains(name) || DomainName.labels(name) == 1;
    }

    /** Under a shared cloud domain: never group. */
    static boolean shared(String name) {
        for (String s : SHARED_CLOUD) if (DomainName.isAtOrBelow(name, s)) return true;
        return false;
    }

    /**
     * The registrable domain: the longest listed suffix the name is below, plus one label; an
     * unlisted top-level domain counts as a suffix. Null if the name is itself a suffix.
     */
    static String registrable(String name) {
        if (isSuffix(name)) return null;
        String best = name.substring(name.lastIndexOf('.') + 1);
        for (String s : SUFFIXES) {
            if (s.length() > best.length() && DomainName.isAtOrBelow(name, s) && !name.equals(s)) best = s;
        }
        String rest = name.substring(0, name.length() - best.length() - 1);
        return rest.substring(rest.lastIndexOf('.') + 1) + "." + best;
    }
}
