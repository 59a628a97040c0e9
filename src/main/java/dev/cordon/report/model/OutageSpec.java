package dev.cordon.report.model;

/** A domain the run simulated an outage of, and how ({@code timeout|refuse|servfail}). */
public record OutageSpec(String domain, String style) {}
