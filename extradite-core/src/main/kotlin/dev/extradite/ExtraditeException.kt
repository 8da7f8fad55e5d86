package dev.extradite

/**
 * The root of every failure extradite reports; sealed, so a `when` over it is exhaustive.
 *
 * Each subclass is raised on the host at the call site that crossed the boundary, so its stack
 * trace shows where *your* code made the call; what happened in the child travels as data
 * (type name, message, traceback text), never as a deserialized remote exception.
 */
public sealed class ExtraditeException(message: String, cause: Throwable? = null) : RuntimeException(message, cause)

/**
 * The wire was violated or an object was used outside its lifetime: an oversized or malformed
 * frame, an unknown or released handle, a handshake with the wrong token or protocol version.
 *
 * After a protocol error caused by a local mistake (for example an argument larger than the
 * configured maximum frame size) the session stays usable; after a violation by the peer the
 * session is closed and every pending call fails with this error.
 */
public class ExtraditeProtocolError(message: String, cause: Throwable? = null) : ExtraditeException(message, cause)

/**
 * A class of the protected tree would have been loaded in the host JVM: either it is already
 * defined there when `extradite(...)` is called, or the child tried to send a value of a
 * protected type under [TransportPolicy.VALUE]. The message names the package or type.
 */
public class ExtraditeModuleLeakError(message: String) : ExtraditeException(message)

/**
 * The interaction cannot be carried out across the boundary: no method or constructor matches
 * the arguments (the message lists the candidates), a call is ambiguous, a value cannot be
 * transported, or a proxy of one session was passed into another.
 */
public class UnsupportedInteractionError(message: String) : ExtraditeException(message)

/**
 * Code on the other side of the boundary threw: the target in the child, or, with
 * [thrownInHost], a host callback that the child called (the exception then came back through
 * the child's frames). The exception is never loaded on this side; it is described by
 * [remoteTypeName], [remoteMessage] and [remoteTraceback] (the full stack trace text, with
 * causes and suppressed exceptions), while this exception's own stack trace shows the call site.
 */
public class ExtraditeRemoteError @JvmOverloads constructor(
    /** Binary class name of the remote exception, for example `java.lang.IllegalStateException`. */
    public val remoteTypeName: String,
    /** The remote exception's message, or null when it had none. */
    public val remoteMessage: String?,
    /**
     * The stack trace as `printStackTrace` prints it, causes and suppressed included; for an
     * exception that passed through the other JVM on its way, that JVM's frames follow.
     */
    public val remoteTraceback: String,
    /**
     * True when the exception was first thrown in the host JVM, by a host object the child
     * called (a callback), and came here through the child; false when it was first thrown in
     * the child JVM. An exception that crossed the boundary several times keeps where it started.
     */
    public val thrownInHost: Boolean = false,
) : ExtraditeException(
    remoteTypeName + (remoteMessage?.let { ": $it" } ?: "") +
        (if (thrownInHost) " (thrown in the host JVM, by a host object the child called)" else " (thrown in the child JVM)") +
        // Without a message of its own (an ExceptionInInitializerError, say), the cause tells what happened.
        (if (remoteMessage == null) firstCauseIn(remoteTraceback)?.let { "; caused by $it" } ?: "" else ""),
)

/** The first `Caused by:` line of a stack trace text, without its label; null when there is none. */
private fun firstCauseIn(traceback: String): String? =
    traceback.lineSequence().firstOrNull { it.startsWith("Caused by: ") }?.removePrefix("Caused by: ")

/**
 * The child JVM is gone: it failed to start, crashed, was killed or called `System.exit`.
 * Every pending and later call on its session fails with this error; a new `extradite(...)`
 * starts a fresh child.
 */
public class ExtraditeChildExitedError(
    message: String,
    /** The child's exit code, or null when it was still running (for example a startup timeout) or is unknown. */
    public val exitCode: Int?,
    /** The last lines the child wrote to its standard error, possibly empty. */
    public val stderrTail: String,
) : ExtraditeException(message)
