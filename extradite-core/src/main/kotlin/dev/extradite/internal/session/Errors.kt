@file:OptIn(InternalExtraditeApi::class)

package dev.extradite.internal.session

import dev.extradite.ExtraditeChildExitedError
import dev.extradite.ExtraditeModuleLeakError
import dev.extradite.ExtraditeProtocolError
import dev.extradite.ExtraditeRemoteError
import dev.extradite.InternalExtraditeApi
import dev.extradite.UnsupportedInteractionError
import dev.extradite.internal.wire.ErrorEnvelope
import dev.extradite.internal.wire.Side
import java.io.PrintWriter
import java.io.StringWriter

/** Longest traceback (or message) text sent or received; deeper stacks (a StackOverflowError) are cut at this many characters. */
private const val MAX_TRACEBACK_CHARS = 256 * 1024

/**
 * The envelope for an exception thrown on this side. Extradite's own errors keep their kind;
 * anything else becomes [ErrorEnvelope.Thrown] with the full stack trace text, causes and
 * suppressed included. Nothing of the exception's class is needed to read it on the other side.
 * [side] is where it is thrown from now: an exception that came from the peer and passed
 * through this side's code goes back with the frames it passed through, labelled with it.
 */
@InternalExtraditeApi
public fun errorEnvelopeOf(e: Throwable, side: Side): ErrorEnvelope = try {
    envelopeOf(e, side)
} catch (unprintable: Throwable) {
    // The exception's own message or stack trace threw: report what is certain.
    ErrorEnvelope.Thrown(e.javaClass.name, null, "${e.javaClass.name} (its message or stack trace could not be read: ${unprintable.javaClass.name})")
}

private fun envelopeOf(e: Throwable, side: Side): ErrorEnvelope = when (e) {
    is ExtraditeProtocolError -> ErrorEnvelope.Protocol(e.message ?: "protocol error")
    is ExtraditeModuleLeakError -> ErrorEnvelope.ModuleLeak(e.message ?: "module leak")
    is UnsupportedInteractionError -> ErrorEnvelope.Unsupported(e.message ?: "unsupported interaction")
    // Thrown on the other side and passed through this one's code: it goes back with its origin,
    // and with the frames it passed through here.
    is ExtraditeRemoteError -> ErrorEnvelope.Thrown(
        e.remoteTypeName,
        e.remoteMessage,
        bounded(e.remoteTraceback + "\nIt went on through the ${side.name.lowercase()} JVM:\n" + tracebackOf(e)),
        if (e.thrownInHost) Side.HOST else Side.CHILD,
    )
    is ExtraditeChildExitedError -> ErrorEnvelope.Thrown(e.javaClass.name, e.message, tracebackOf(e))
    else -> ErrorEnvelope.Thrown(e.javaClass.name, e.message, tracebackOf(e))
}

/** `printStackTrace` as text, bounded. */
@InternalExtraditeApi
public fun tracebackOf(e: Throwable): String {
    return bounded(StringWriter().also { e.printStackTrace(PrintWriter(it)) }.toString())
}

/** [text] cut at [MAX_TRACEBACK_CHARS], saying so. */
private fun bounded(text: String): String =
    if (text.length <= MAX_TRACEBACK_CHARS) text else text.substring(0, MAX_TRACEBACK_CHARS) + "\n\t... (cut at $MAX_TRACEBACK_CHARS characters)"

/**
 * The exception a caller sees for a failure envelope from [sender]; created at the caller so its
 * stack shows the call site. Its texts are bounded as the sender's are: a peer that does not
 * bound them cannot make every log line of the error megabytes long.
 */
@InternalExtraditeApi
public fun ErrorEnvelope.toException(sender: Side): RuntimeException = when (this) {
    is ErrorEnvelope.Thrown -> ExtraditeRemoteError(bounded(type), detail?.let(::bounded), bounded(traceback), thrownInHost = (origin ?: sender) == Side.HOST)
    is ErrorEnvelope.Protocol -> ExtraditeProtocolError(bounded(message))
    is ErrorEnvelope.ModuleLeak -> ExtraditeModuleLeakError(bounded(message))
    is ErrorEnvelope.Unsupported -> UnsupportedInteractionError(bounded(message))
}
