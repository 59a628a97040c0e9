package dev.cordon.events;

/** A socket that waited on a simulated outage was released; {@code startNs} is when its first attempt began. */
public record OutageEndEvent(long monotonicNs, ProcessRef process, long cookie, long startNs) implements KernelEvent {}
