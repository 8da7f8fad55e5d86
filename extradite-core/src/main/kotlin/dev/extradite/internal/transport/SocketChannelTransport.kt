@file:OptIn(InternalExtraditeApi::class)

package dev.extradite.internal.transport

import dev.extradite.ExtraditeProtocolError
import dev.extradite.InternalExtraditeApi
import dev.extradite.internal.wire.Frame
import java.io.EOFException
import java.io.IOException
import java.nio.ByteBuffer
import java.nio.channels.ClosedSelectorException
import java.nio.channels.SelectionKey
import java.nio.channels.Selector
import java.nio.channels.SocketChannel

/**
 * A [FrameTransport] whose sends and receives may block the calling thread; the session then
 * writes on the caller's thread and reads on a dedicated thread, with no coroutine hops.
 */
@InternalExtraditeApi
public interface BlockingFrameTransport : FrameTransport {
    /** Writes one encoded frame; thread safe (one frame at a time, never interleaved). */
    public fun sendBlocking(frame: ByteArray)

    /** Reads the next frame; called by one reader thread. Same errors as [receive]. */
    public fun receiveBlocking(): Frame
}

/**
 * The fast local transport: a JDK [SocketChannel] (Unix domain socket, or TCP on loopback) read
 * by one thread and written by the caller's thread. Why not Ktor's byte channels here: they cost
 * several thread hops per message (selector thread, reader coroutine, writer coroutine); this
 * costs one wake-up, which is the floor (see DESIGN.md, "The wire").
 *
 * The channel is in non-blocking mode, waiting in selectors when it must: a blocking channel is
 * closed by `Thread.interrupt()` of any thread in the middle of a write, and callers' threads get
 * interrupted (that is how a blocked Java caller cancels), which must not kill the session.
 *
 * Reads go through a 64 KiB buffer, so a small frame's length prefix and body usually arrive in
 * one system call; each frame is written with one.
 */
@InternalExtraditeApi
public class SocketChannelTransport(private val channel: SocketChannel, private val maxFrameSize: Int) : BlockingFrameTransport {
    private val readSelector: Selector
    private val writeSelector: Selector
    private val readBuffer: ByteBuffer = ByteBuffer.allocateDirect(64 * 1024).flip()
    private val writeLock = Any()

    init {
        // Large buffers let a big frame (a 512 KiB array) cross in a few system calls instead of
        // dozens of wake-ups of the 200 KiB default.
        runCatching { channel.setOption(java.net.StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER_BYTES) }
        runCatching { channel.setOption(java.net.StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER_BYTES) }
        channel.configureBlocking(false)
        readSelector = Selector.open().also { channel.register(it, SelectionKey.OP_READ) }
        writeSelector = Selector.open().also { channel.register(it, SelectionKey.OP_WRITE) }
    }

    override fun sendBlocking(frame: ByteArray) {
        // An interrupt must not make the selector spin; it is restored for the caller afterwards.
        var interrupted = false
        try {
            synchronized(writeLock) {
                val buffer = ByteBuffer.wrap(frame)
                while (buffer.hasRemaining()) {
                    if (channel.write(buffer) == 0) {
                        writeSelector.select()
                        writeSelector.selectedKeys().clear()
                        if (Thread.interrupted()) interrupted = true
                    }
                }
            }
        } catch (e: IOException) {
            throw TransportClosedException("cannot write to the peer: ${e.message}", e)
        } catch (e: ClosedSelectorException) {
            throw TransportClosedException("the connection was closed", e)
        } finally {
            if (interrupted) Thread.currentThread().interrupt()
        }
    }

    override fun receiveBlocking(): Frame {
        val length = try {
            fill(4)
            readBuffer.int
        } catch (e: IOException) {
            throw TransportClosedException(if (e is EOFException) "the peer closed the connection" else "the connection failed: ${e.message}", e)
        }
        // The one place that enforces the maximum frame size on receipt for this transport:
        // nothing is allocated for a frame before its announced length has been checked.
        if (length < Frame.MIN_BODY_SIZE || length > maxFrameSize) {
            throw ExtraditeProtocolError(
                "the peer announced a frame of $length bytes; frames must be between ${Frame.MIN_BODY_SIZE} and $maxFrameSize bytes (maxFrameSize)",
            )
        }
        val body = ByteArray(length)
        try {
            val buffered = minOf(readBuffer.remaining(), length)
            readBuffer.get(body, 0, buffered)
            if (buffered < length) {
                // A large frame: read the rest straight into the body.
                val rest = ByteBuffer.wrap(body, buffered, length - buffered)
                while (rest.hasRemaining()) readSome(rest)
            }
        } catch (e: IOException) {
            throw TransportClosedException("the peer closed the connection in the middle of a frame", e)
        }
        return Frame.parseBody(body)
    }

    /** Ensures [count] bytes are buffered. */
    private fun fill(count: Int) {
        if (readBuffer.remaining() >= count) return
        readBuffer.compact()
        try {
            while (readBuffer.position() < count) readSome(readBuffer)
        } finally {
            readBuffer.flip()
        }
    }

    /** Reads at least one byte into [target], waiting for the channel when it has none. */
    private fun readSome(target: ByteBuffer) {
        while (true) {
            val n = channel.read(target)
            if (n > 0) return
            if (n < 0) throw EOFException("end of stream")
            try {
                readSelector.select()
                readSelector.selectedKeys().clear()
            } catch (_: ClosedSelectorException) {
                throw EOFException("closed")
            }
            if (!channel.isOpen) throw EOFException("closed")
        }
    }

    private companion object {
        const val SOCKET_BUFFER_BYTES = 4 * 1024 * 1024
    }

    override suspend fun send(frame: ByteArray): Unit = sendBlocking(frame)

    override suspend fun receive(): Frame = receiveBlocking()

    override fun close() {
        try {
            channel.close()
        } catch (_: IOException) {
            // Already closed or broken: either way it is closed now.
        }
        readSelector.wakeup()
        writeSelector.wakeup()
        runCatching { readSelector.close() }
        runCatching { writeSelector.close() }
    }
}
