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
import java.nio.file.Path
import kotlinx.coroutines.runBlocking
import kotlin.coroutines.Continuation
import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.EmptyCoroutineContext
import kotlin.coroutines.intrinsics.COROUTINE_SUSPENDED
import kotlin.coroutines.intrinsics.startCoroutineUninterceptedOrReturn

/**
 * A [FrameTransport] whose sends and receives may block the calling thread; the session then
 * writes on the caller's thread and reads on a dedicated thread, with no coroutine hops.
 */
@InternalExtraditeApi
public interface BlockingFrameTransport : FrameTransport {
    /** Writes one encoded frame; thread safe (one frame at a time, never interleaved). */
    public fun sendBlocking(frame: ByteArray)

    /** Writes [frame] without first copying it into one array; otherwise as [sendBlocking]. */
    public fun sendBlocking(frame: Frame): Unit = sendBlocking(frame.toBytes())

    /** Reads the next frame; called by one reader thread. Same errors as [receive]. */
    public fun receiveBlocking(): Frame

    /**
     * As [receiveBlocking], but an interrupt of the calling thread while it waits for the next
     * frame to begin ends the wait with [java.io.InterruptedIOException] (nothing of the frame
     * consumed; the next read goes on where this one stopped). Once a frame has begun, it is read
     * whole and the interrupt stays set.
     */
    public fun receiveInterruptibly(): Frame = receiveBlocking()
}

/**
 * Runs the suspend [block] that uses this transport on the calling thread. A
 * [BlockingFrameTransport]'s suspend functions never suspend, so the block runs as a plain call,
 * with no event loop to set up (`runBlocking`'s costs a young JVM milliseconds of class
 * initialisation); any other transport gets `runBlocking`.
 */
@InternalExtraditeApi
public fun <T> FrameTransport.runHere(block: suspend () -> T): T {
    if (this !is BlockingFrameTransport) return runBlocking { block() }
    val result = block.startCoroutineUninterceptedOrReturn(NeverSuspends)
    check(result !== COROUTINE_SUSPENDED) { "a blocking transport's suspend function suspended" }
    @Suppress("UNCHECKED_CAST")
    return result as T
}

/** The completion of a block that returns without suspending: it is never resumed. */
private object NeverSuspends : Continuation<Any?> {
    override val context: CoroutineContext get() = EmptyCoroutineContext

    override fun resumeWith(result: Result<Any?>): Unit = error("a blocking transport's suspend function was resumed")
}

/**
 * The fast local transport: a JDK [SocketChannel] (Unix domain socket, or TCP on loopback) read
 * by one thread and written by the caller's thread. Why not Ktor's byte channels here: they cost
 * several thread hops per message (selector thread, reader coroutine, writer coroutine); this
 * costs at most one wake-up (see DESIGN.md, "The wire"), and none when the reader's spin catches
 * the frame.
 *
 * The channel is in non-blocking mode, waiting in selectors when it must: a blocking channel is
 * closed by `Thread.interrupt()` of any thread in the middle of a write, and callers' threads get
 * interrupted (that is how a blocked Java caller cancels), which must not kill the session.
 *
 * Reads go through a 64 KiB buffer, so a small frame's length prefix and body usually arrive in
 * one system call; each frame is written with one, a small one from a 64 KiB buffer of its own.
 *
 * A read that finds the channel empty may spin for up to [spinNanos] before it sleeps in the
 * selector (see [SpinWait] for when): a peer that answers within that time is read without a
 * sleep and a wake-up, which are most of a round trip otherwise.
 *
 * Once [shareMemory] is called, a frame's large attachments go through a [SharedRing] per
 * direction instead of the socket, while the ring has room: the writer copies them in under the
 * write lock (so they enter the ring in frame order) and the reader copies them out as it parses
 * the frame that announces them ([Frame.SHARED_FLAG]).
 */
@InternalExtraditeApi
public class SocketChannelTransport(
    private val channel: SocketChannel,
    private val maxFrameSize: Int,
    /** The most a read spins on an empty channel before it sleeps; 0 never spins. */
    spinNanos: Long,
    /**
     * How long a peer may take nothing written to it, or leave a frame it began unfinished, before
     * the connection counts as dead (the peer hung, or stopped); 0 waits for ever. See
     * [stallFromSettings].
     */
    private val stallNanos: Long = stallFromSettings(),
) : BlockingFrameTransport {
    private val readSelector: Selector
    private val writeSelector: Selector
    private val readBuffer: ByteBuffer = ByteBuffer.allocateDirect(READ_BUFFER_BYTES).flip()
    private val writeBuffer: ByteBuffer = ByteBuffer.allocateDirect(WRITE_BUFFER_BYTES)

    /** Whether the last read had to wait for the channel; only the thread holding the read turn touches it. */
    private var lastReadFoundNothing = false

    /** When reads spin; only the thread holding the read turn touches it. */
    private val spinning = SpinWait(SpinWait.budgetFor(spinNanos, Runtime.getRuntime().availableProcessors()))
    private val writeLock = Any()

    /** Set once by [shareMemory]; read by the writer and the reader. */
    @Volatile
    private var sharing: Sharing? = null

    /** This side's ring, made by the writer under the write lock; unmapped by [close]. */
    @Volatile
    private var sendRing: SharedRing? = null

    /** The ring could not be made (a full tmpfs, say): large attachments go by socket. Under the write lock. */
    private var sendRingFailed = false

    /** The peer's ring, mapped by the reader; unmapped by [close]. */
    @Volatile
    private var receiveRing: SharedRing? = null

    @Volatile
    private var closed = false

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
        writing { waits -> if (frame.size <= WRITE_BUFFER_BYTES) writeWhole(waits) { it.put(frame) } else writeGathering(arrayOf(ByteBuffer.wrap(frame)), waits) }
    }

    override fun sendBlocking(frame: Frame) {
        val sharing = sharing
        if (sharing == null || frame.attachments.none { it.size >= sharing.threshold }) {
            writing { waits -> write(frame, null, waits) }
            return
        }
        writing { waits ->
            // Under the write lock: attachments enter the ring in the order of their frames.
            try {
                write(frame, placeShared(frame, sharing), waits)
            } catch (e: Throwable) {
                // Bytes may be in the ring for a frame that never went out: the peer would read
                // every later one from the wrong place. Nothing can follow on this connection.
                close()
                throw e
            }
        }
    }

    /** Writes [frame], without the attachments marked in [shared]. Under the write lock. */
    private fun write(frame: Frame, shared: BooleanArray?, waits: WriteWaits) {
        if (4 + frame.wireBodySize(shared) <= WRITE_BUFFER_BYTES) writeWhole(waits) { frame.writeTo(it, shared) } else writeGathering(frame.toBuffers(shared), waits)
    }

    /**
     * A frame that fits [writeBuffer]: [put] into it and written from there, the JDK's cheapest
     * write (a gathering write, or a write from a heap buffer, takes a temporary direct buffer per
     * call, several JDK calls deep while the JVM still interprets them), with no frame-sized array
     * in between. Under the write lock.
     */
    private inline fun writeWhole(waits: WriteWaits, put: (ByteBuffer) -> Unit) {
        writeBuffer.clear()
        put(writeBuffer)
        writeBuffer.flip()
        while (writeBuffer.hasRemaining()) if (channel.write(writeBuffer) == 0) waits.await()
    }

    /** Writes [buffers] in order with gathering writes: a large frame's attachments are never copied. Under the write lock. */
    private fun writeGathering(buffers: Array<ByteBuffer>, waits: WriteWaits) {
        var first = 0
        while (first < buffers.size) {
            if (channel.write(buffers, first, buffers.size - first) == 0L) waits.await()
            while (first < buffers.size && !buffers[first].hasRemaining()) first++
        }
    }

    /**
     * Copies the frame's large attachments into the send ring (made on first use), those that fit;
     * returns which did, or null for none. Under the write lock.
     */
    private fun placeShared(frame: Frame, sharing: Sharing): BooleanArray? {
        val ring = sendRing ?: if (sendRingFailed || closed) return null else SharedRing.create(sharing.send).also { made ->
            if (made == null) {
                sendRingFailed = true
                return null
            }
            sendRing = made
            // A close that ran meanwhile did not see the ring: unmap it, and delete the file no peer will map.
            if (closed) {
                made.close()
                runCatching { java.nio.file.Files.deleteIfExists(sharing.send) }
                return null
            }
        }!!
        var shared: BooleanArray? = null
        frame.attachments.forEachIndexed { i, attachment ->
            if (attachment.size >= sharing.threshold && ring.offer(attachment)) {
                (shared ?: BooleanArray(frame.attachments.size).also { shared = it })[i] = true
            }
        }
        return shared
    }

    /**
     * Large attachments from now on cross through shared memory in [directory] (a private
     * directory on a tmpfs, made for this session): those of [threshold] bytes and more, each
     * while the ring has room (otherwise by socket, as before). This side's ring is the file
     * [sendName], made on the first large attachment; the peer's is [receiveName], mapped on the
     * first frame that uses it. Called once, after the handshake, before frames with attachments
     * cross; both sides must call it, or a frame using a ring is refused as a protocol violation.
     */
    public fun shareMemory(directory: Path, threshold: Int, sendName: String, receiveName: String) {
        require(threshold > 0) { "threshold must be positive, was $threshold" }
        sharing = Sharing(directory.resolve(sendName), directory.resolve(receiveName), threshold)
    }

    private class Sharing(val send: Path, val receive: Path, val threshold: Int)

    /** The attachments a received frame flags as shared, from the peer's ring (mapped on first use). */
    private val sharedIn = object : Frame.SharedAttachments {
        // The maximum frame size covers a frame's attachments wherever they travel.
        override fun limitFor(bodyLength: Int): Int = minOf(SharedRing.CAPACITY.toLong(), maxFrameSize.toLong() - bodyLength).toInt()

        override fun take(count: Int): ByteArray {
            val ring = receiveRing ?: SharedRing.open(sharing!!.receive).also { opened ->
                receiveRing = opened
                if (closed) opened.close()
            }
            return ring.take(count)
        }
    }

    /**
     * Waits for a full channel to take more; an interrupt must not make the selector spin, so it
     * is kept aside. A peer that takes nothing for [stallNanos] fails the write with an
     * [IOException]: it ends the connection, rather than holding every writer of it for ever.
     */
    private inner class WriteWaits {
        var interrupted = false

        fun await() {
            val started = System.nanoTime()
            while (true) {
                val ready = selectWithin(writeSelector, started, "has read nothing")
                writeSelector.selectedKeys().clear()
                if (Thread.interrupted()) interrupted = true
                if (ready > 0 || closed) return
            }
        }
    }

    /** Runs [write] under the write lock: one frame at a time. An interrupt kept aside while waiting is restored after. */
    private inline fun writing(write: (WriteWaits) -> Unit) {
        val waits = WriteWaits()
        try {
            synchronized(writeLock) { write(waits) }
        } catch (e: IOException) {
            throw TransportClosedException("cannot write to the peer: ${e.message}", e)
        } catch (e: ClosedSelectorException) {
            throw TransportClosedException("the connection was closed", e)
        } finally {
            if (waits.interrupted) Thread.currentThread().interrupt()
        }
    }

    override fun receiveBlocking(): Frame = receive(interruptible = false)

    override fun receiveInterruptibly(): Frame = receive(interruptible = true)

    private fun receive(interruptible: Boolean): Frame {
        val length = try {
            fill(4, interruptible)
            readBuffer.int
        } catch (e: java.io.InterruptedIOException) {
            throw e
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
        val shared = if (sharing != null) sharedIn else null
        inFrame = true
        try {
            if (length <= READ_BUFFER_BYTES) {
                // The common case: the whole body in the buffer at once. A small one is copied out
                // in one piece and parsed from the array (a handful of direct-buffer reads costs
                // more while the JVM interprets them); a larger one has each part copied out once.
                fill(length)
                if (length <= SMALL_FRAME_BYTES) return Frame.parseBody(ByteArray(length).also { readBuffer.get(it) }, shared)
                return Frame.read(length, shared, buffered)
            }
            return Frame.read(length, shared, source)
        } catch (e: IOException) {
            throw TransportClosedException(
                if (e is EOFException) "the peer closed the connection in the middle of a frame" else "the connection failed in the middle of a frame: ${e.message}",
                e,
            )
        } finally {
            inFrame = false
        }
    }

    /** Whether the reader is inside a frame, whose rest the peer owes at once; only the thread holding the read turn touches it. */
    private var inFrame = false

    /** The fields of a frame, from the buffer, and large arrays straight from the channel into their own array. */
    private val source = object : Frame.Source {
        override fun byte(): Byte {
            fill(1)
            return readBuffer.get()
        }

        override fun int(): Int {
            fill(4)
            return readBuffer.int
        }

        override fun bytes(count: Int): ByteArray {
            if (count <= DIRECT_READ_BYTES) {
                // Small: through the buffer, many fields per system call.
                fill(count)
                return ByteArray(count).also { readBuffer.get(it) }
            }
            val bytes = ByteArray(count)
            val buffered = minOf(readBuffer.remaining(), count)
            readBuffer.get(bytes, 0, buffered)
            if (buffered < count) {
                val rest = ByteBuffer.wrap(bytes, buffered, count - buffered)
                while (rest.hasRemaining()) readSome(rest)
            }
            return bytes
        }
    }

    /** The fields of a frame whose body is in the buffer already. */
    private val buffered = object : Frame.Source {
        override fun byte(): Byte = readBuffer.get()

        override fun int(): Int = readBuffer.int

        override fun bytes(count: Int): ByteArray = ByteArray(count).also { readBuffer.get(it) }
    }

    /** Ensures [count] bytes are buffered. */
    private fun fill(count: Int, interruptible: Boolean = false) {
        if (readBuffer.remaining() >= count) return
        readBuffer.compact()
        try {
            while (readBuffer.position() < count) readSome(readBuffer, interruptible)
        } finally {
            readBuffer.flip()
        }
    }

    /** Reads at least one byte into [target], waiting for the channel when it has none. */
    private fun readSome(target: ByteBuffer, interruptible: Boolean = false) {
        // An interrupt would make select() return at once, spinning: keep it aside while waiting,
        // or, when the caller asked for it, end the wait (data already there is read first).
        var interrupted = false
        // When the last read found the channel empty, the next one most likely will too (a reply
        // or request is a round trip away): wait first, and save the system call of a read that
        // returns nothing. The selector is level-triggered, so waiting on bytes already there
        // returns at once.
        var wait = lastReadFoundNothing
        // When this read began waiting inside a frame (0: it has not); read only then, off the common path.
        var stalledSince = 0L
        try {
            while (true) {
                // Interrupted: only the waiting ends; bytes already there are still read.
                val givingUp = wait && interruptible && (interrupted || Thread.currentThread().isInterrupted)
                if (wait && !givingUp) {
                    if (spinning.shouldSpin()) {
                        val won = spin(target, spinning.budgetNanos, interruptible)
                        if (won) {
                            spinning.record(won = true)
                            lastReadFoundNothing = true
                            return
                        }
                        // A spin cut short by the caller's interrupt says nothing about the peer.
                        if (!(interruptible && Thread.currentThread().isInterrupted)) spinning.record(won = false)
                    }
                    try {
                        // Between frames a peer may be quiet for as long as it likes; within one, not.
                        if (inFrame) {
                            if (stalledSince == 0L) stalledSince = System.nanoTime()
                            selectWithin(readSelector, stalledSince, "left a frame unfinished")
                        } else {
                            readSelector.select()
                        }
                        readSelector.selectedKeys().clear()
                    } catch (_: ClosedSelectorException) {
                        throw EOFException("closed")
                    }
                    if (Thread.interrupted()) interrupted = true
                    if (!channel.isOpen) throw EOFException("closed")
                }
                val n = channel.read(target)
                if (n > 0) {
                    // Read again at once next time only if this one did not have to wait.
                    lastReadFoundNothing = wait && !givingUp
                    return
                }
                if (n < 0) throw EOFException("end of stream")
                if (givingUp) throw java.io.InterruptedIOException("interrupted while waiting for a frame")
                wait = true
            }
        } finally {
            if (interrupted) Thread.currentThread().interrupt()
        }
    }

    /**
     * Reads [target] from the empty channel for up to [budgetNanos], without sleeping; true when
     * bytes arrived. Gives up early on an interrupt when [interruptible]. A [close] from another
     * thread meanwhile ends it as the selector's wait would end: "closed".
     */
    private fun spin(target: ByteBuffer, budgetNanos: Long, interruptible: Boolean): Boolean {
        val deadline = System.nanoTime() + budgetNanos
        do {
            Thread.onSpinWait()
            val n = try {
                channel.read(target)
            } catch (_: java.nio.channels.ClosedChannelException) {
                throw EOFException("closed")
            }
            if (n > 0) return true
            if (n < 0) throw EOFException("end of stream")
            if (interruptible && Thread.currentThread().isInterrupted) return false
        } while (System.nanoTime() - deadline < 0)
        return false
    }

    /**
     * Waits in [selector] for at most what is left of [stallNanos] since [since] (for ever without
     * a limit); once none is left, the peer [what] for all of it, and the connection ends with an
     * [IOException]. The number of keys selected, as [Selector.select] returns it.
     */
    private fun selectWithin(selector: Selector, since: Long, what: String): Int {
        if (stallNanos <= 0) return selector.select()
        val left = stallNanos - (System.nanoTime() - since)
        if (left <= 0) {
            throw IOException("the peer $what for ${stallNanos / 1_000_000_000.0} s; it is hung or stopped (a debugger?). -D$STALL_PROPERTY=0 waits for ever")
        }
        return selector.select(maxOf(1L, left / 1_000_000))
    }

    public companion object {
        /** The system property that sets [stallFromSettings], in seconds. */
        public const val STALL_PROPERTY: String = "extradite.stallSeconds"

        /**
         * How long a peer may take nothing written to it, or leave a frame it began unfinished:
         * `-Dextradite.stallSeconds` (0 for ever), 60 s by default. A working peer reads all the
         * time (a child's long call does not stop its reading) and writes a frame at once; one
         * that does neither for a minute is hung or stopped.
         */
        public fun stallFromSettings(): Long {
            val seconds = System.getProperty(STALL_PROPERTY)?.let { value ->
                value.toDoubleOrNull()?.takeIf { it >= 0 }
                    ?: throw IllegalArgumentException("system property $STALL_PROPERTY=$value is not a number of seconds; use 0 to wait for ever")
            } ?: 60.0
            return (seconds * 1_000_000_000).toLong()
        }

        private const val SOCKET_BUFFER_BYTES = 4 * 1024 * 1024
        private const val READ_BUFFER_BYTES = 64 * 1024
        private const val WRITE_BUFFER_BYTES = 64 * 1024

        /** Frames up to this size are copied out of the read buffer whole before they are parsed. */
        private const val SMALL_FRAME_BYTES = 4 * 1024

        /** Arrays larger than this are read straight into place; smaller ones through the read buffer. */
        private const val DIRECT_READ_BYTES = READ_BUFFER_BYTES / 2
    }

    override suspend fun send(frame: ByteArray): Unit = sendBlocking(frame)

    override suspend fun receive(): Frame = receiveBlocking()

    override fun close() {
        // Before the rings are read: a ring made after this sees it and unmaps itself.
        closed = true
        try {
            channel.close()
        } catch (_: IOException) {
            // Already closed or broken: either way it is closed now.
        }
        readSelector.wakeup()
        writeSelector.wakeup()
        runCatching { readSelector.close() }
        runCatching { writeSelector.close() }
        // After the channel: a writer or reader blocked on it is gone, and one mid-copy is waited for.
        runCatching { sendRing?.close() }
        runCatching { receiveRing?.close() }
    }
}
