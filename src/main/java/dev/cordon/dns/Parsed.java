package dev.cordon.dns;

/** What reading a query gives ({@link Query#parse}): the query, or the reply to something that is none. */
sealed interface Parsed permits Query, Parsed.Refused {
    /** Not a query to judge: {@code reply} answers it (null: nothing is sent). */
    record Refused(byte[] reply) implements Parsed {}
}
