@file:OptIn(InternalExtraditeApi::class)

package dev.extradite.internal.transport

import dev.extradite.ExtraditeProtocolError
import dev.extradite.InternalExtraditeApi
import dev.extradite.internal.wire.Frame
import io.ktor.network.sockets.Socket
import io.ktor.network.sockets.openReadChannel
import io.ktor.network.sockets.openWriteChannel
import io.ktor.utils.io.readFully
import io.ktor.utils.io.readInt
import io.ktor.utils.io.writeFully
import kotlinx.coroutines.CancellationException

/** [FrameTransport] over a connected Ktor raw socket (Unix domain or TCP). */
@InternalExtraditeApi
public class KtorFrameTransport(private val socket: Socket, private val maxFrameSize: Int) : FrameTransport {
    private val input = socket.openReadChannel()
    private val output = socket.openWriteChannel(autoFlush = false)

    override suspend fun send(frame: ByteArray) {
        try {
            output.writeFully(frame)
            output.flush()
        } catch (e: CancellationException) {
            throw e
        } catch (e: Exception) {
            throw TransportClosedException("cannot write to the peer: ${e.message}", e)
        }
    }

    override suspend fun receive(): Frame {
        val length = try {
            input.readInt()
        } catch (e: CancellationException) {
            throw e
        } catch (e: Exception) {
            throw TransportClosedException("the peer closed the connection", e)
        }
        // The one place that enforces the maximum frame size on receipt: nothing is allocated
        // for a frame before its announced length has been checked.
        if (length < Frame.MIN_BODY_SIZE || length > maxFrameSize) {
            throw ExtraditeProtocolError(
                "the peer announced a frame of $length bytes; frames must be between ${Frame.MIN_BODY_SIZE} and $maxFrameSize bytes (maxFrameSize)",
            )
        }
        val body = ByteArray(length)
        try {
            input.readFully(body)
        } catch (e: CancellationException) {
            throw e
        } catch (e: Exception) {
            throw TransportClosedException("the peer closed the connection in the middle of a frame", e)
        }
        return Frame.parseBody(body)
    }

    override fun close() {
        socket.close()
    }
}
