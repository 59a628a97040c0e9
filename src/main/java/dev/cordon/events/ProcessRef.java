package dev.cordon.events;

/** Who did it, as the kernel saw it at that moment. {@code pid} is the process (tgid), {@code tid} the thread. */
public record ProcessRef(int pid, int tid, String comm, long cgroupId) {}
