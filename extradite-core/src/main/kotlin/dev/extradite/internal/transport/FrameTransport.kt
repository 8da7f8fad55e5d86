@file:OptIn(InternalExtraditeApi::class)

package dev.extradite.internal.transport

import dev.extradite.InternalExtraditeApi
import dev.extradite.internal.wire.Frame

/**
 * A full-duplex stream of frames between host and child: all the session runtime knows of the
 * connection. Implementations validate framing (length prefix, maximum size) on receive.
 *
 * Threading: [receive] is called by one reader at a time and [send] by one writer at a time;
 * [close] may be called from any thread, at any time, more than once.
 */
@InternalExtraditeApi
public interface FrameTransport {
    /** Sends one encoded frame (length prefix included, see [Frame.toBytes]) and flushes it. */
    public suspend fun send(frame: ByteArray)

    /**
     * Receives the next frame. Throws [TransportClosedException] when the peer closed the
     * connection, and `ExtraditeProtocolError` when the peer broke the framing.
     */
    public suspend fun receive(): Frame

    /** Closes the connection; a pending [receive] ends with [TransportClosedException]. */
    public fun close()
}

/** The connection ended: the peer closed it, or it was closed locally. */
@InternalExtraditeApi
public class TransportClosedException(message: String, cause: Throwable? = null) : Exception(message, cause)
