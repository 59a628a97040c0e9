package dev.cordon.limits;

/** A cgroup controller that enforces one of the session's limits; the name is the kernel's, in v1 and v2. */
public enum Controller {
    MEMORY("memory", "--memory"),
    CPU("cpu", "--cpu"),
    PIDS("pids", "--pids");

    public final String kernelName;
    /** The option that asks for it, for messages. */
    public final String option;

    Controller(String kernelName, String option) {
        this.kernelName = kernelName;
        this.option = option;
    }
}
