package dev.extradite

/** Where the child JVM's standard output and standard error go. */
public enum class ChildOutputMode {
    /**
     * Line by line to the host's SLF4J logger named after the session (`extradite.session.<key or
     * target>`): stdout at INFO, stderr at WARN. The default.
     */
    FORWARD,

    /**
     * Straight to the host process's own stdout and stderr, unbuffered by the host. The tail of
     * the child's stderr is then not available to error messages, nor the JVM's report of
     * running out of memory.
     */
    INHERIT,

    /** Dropped. The tails of both streams are still kept for error messages. */
    DISCARD,
}
