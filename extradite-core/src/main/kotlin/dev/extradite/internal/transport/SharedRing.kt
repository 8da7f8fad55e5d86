@file:OptIn(InternalExtraditeApi::class)

package dev.extradite.internal.transport

import dev.extradite.ExtraditeProtocolError
import dev.extradite.InternalExtraditeApi
import java.io.IOException
import java.lang.invoke.MethodHandles
import java.lang.invoke.VarHandle
import java.nio.ByteBuffer
import java.nio.ByteOrder
import java.nio.channels.FileChannel
import java.nio.file.Files
import java.nio.file.LinkOption
import java.nio.file.Path
import java.nio.file.StandardOpenOption

/**
 * One direction's ring of shared memory for a connection's large attachments: a file on a tmpfs
 * (`/dev/shm`), mapped by both processes, that the sender copies each large attachment into and
 * the receiver copies it out of, in the order the frames that announce them cross the socket.
 * Each array is copied twice, where a socket copies it four times (array, the JDK's direct
 * buffer, the kernel, the reader's buffer, a new array) and wakes the reader for every piece.
 *
 * Layout: a [HEADER_BYTES] header whose first 8 bytes are the receiver's read position (a count
 * of bytes taken since the ring was made, native byte order), then [CAPACITY] bytes of data. The
 * sender's write position never leaves its process; it writes only where the receiver has read
 * (`written - read <= capacity`), so the ring needs no other coordination.
 *
 * Trust: the receiver reads only at its own position and only as many bytes as a frame's
 * (validated) lengths say; a peer that lies gets garbage back, as it would by sending garbage on
 * the socket. The sender validates the read position the receiver publishes, and stops using a
 * ring whose position makes no sense ([offer] returns false, the attachment goes by socket). A
 * peer that shrinks the file makes copies fault; the JVM reports that as an [InternalError],
 * which ends the ring for a sender and is a protocol error for a receiver.
 *
 * The file is filled with zeros when it is made, so that a full tmpfs fails the write (and the
 * ring is not used) instead of faulting later on a mapped page; the receiver deletes it once it
 * has mapped it. [close] unmaps at once (a mapping otherwise keeps its memory until the garbage
 * collector finds it): through the foreign memory API on JDK 22 and later, through
 * `sun.misc.Unsafe.invokeCleaner` before. It waits for a copy in progress, so no copy ever
 * touches an unmapped page.
 */
@InternalExtraditeApi
public class SharedRing private constructor(private val mapping: Mapping) {
    private val map: ByteBuffer = mapping.buffer

    /** The sender's next write or the receiver's next read, in bytes since the ring was made. */
    private var position = 0L

    /** Whether the mapping is still there: every copy checks it under this object's lock, which [close] takes to unmap. */
    private var mapped = true

    /** Set by a sender that found the receiver's read position impossible: the ring is not used again. */
    private var abandoned = false

    /** Sender: copies [bytes] into the ring if it has room for them now; false (nothing written) if not. */
    @Synchronized
    public fun offer(bytes: ByteArray): Boolean {
        if (!mapped || abandoned) return false
        // Every access to the mapping faults once the peer shrank the file, the read position's
        // included: then nothing was announced, so the array goes by socket, and so does
        // everything after it. (Compiled code raises the fault's InternalError late, at a
        // safepoint poll that may come after this method: the catch is best effort.)
        try {
            val used = position - READ_POSITION.getAcquire(map, 0) as Long
            // A read position ahead of what was written, or too far behind, is not ours: give up on the ring.
            if (used < 0 || used > CAPACITY) {
                abandoned = true
                return false
            }
            if (CAPACITY - used < bytes.size) return false
            forEachPiece(bytes.size) { ringIndex, offset, length -> map.put(ringIndex, bytes, offset, length) }
        } catch (_: InternalError) {
            abandoned = true
            return false
        }
        position += bytes.size
        return true
    }

    /**
     * Receiver: copies the next [count] bytes out and frees their room. [count] must be at most
     * [CAPACITY] (the caller has validated it); an [IOException] once closed.
     */
    @Synchronized
    public fun take(count: Int): ByteArray {
        if (!mapped) throw IOException("the shared-memory ring was closed")
        require(count in 0..CAPACITY) { "cannot take $count bytes from a ring of $CAPACITY" }
        val bytes = ByteArray(count)
        try {
            forEachPiece(count) { ringIndex, offset, length -> map.get(ringIndex, bytes, offset, length) }
            READ_POSITION.setRelease(map, 0, position + count)
        } catch (e: InternalError) {
            throw ExtraditeProtocolError("the peer's shared-memory ring faulted while it was read (was its file shrunk?)", e)
        }
        position += count
        return bytes
    }

    /**
     * Splits [count] bytes from [position] into the one or two pieces the ring holds them in
     * (wrapping round its end), calling [copy] with each piece's index in the mapping, its offset
     * in the array and its length.
     */
    private inline fun forEachPiece(count: Int, copy: (ringIndex: Int, offset: Int, length: Int) -> Unit) {
        val at = (position % CAPACITY).toInt()
        val first = minOf(count, CAPACITY - at)
        copy(HEADER_BYTES + at, 0, first)
        if (first < count) copy(HEADER_BYTES, first, count - first)
    }

    /** Unmaps the ring, after any copy in progress; later offers return false and takes fail. Idempotent. */
    @Synchronized
    public fun close() {
        if (!mapped) return
        mapped = false
        mapping.unmap()
    }

    public companion object {
        /** Data bytes per ring: arrays up to this size can go through it, several at a time when smaller. */
        public const val CAPACITY: Int = 4 * 1024 * 1024

        /** The header before the data: one page, of which the read position uses 8 bytes. */
        public const val HEADER_BYTES: Int = 4096

        private const val FILE_BYTES: Long = HEADER_BYTES.toLong() + CAPACITY

        private val READ_POSITION: VarHandle = MethodHandles.byteBufferViewVarHandle(LongArray::class.java, ByteOrder.nativeOrder())

        /**
         * Sender: makes the ring file [path] (which must not exist yet), fills it and maps it; null
         * when that fails (a full or missing tmpfs), and then the attachments go by socket.
         */
        public fun create(path: Path): SharedRing? {
            val channel = try {
                FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE)
            } catch (_: IOException) {
                return null
            }
            return try {
                channel.use {
                    val zeros = ByteBuffer.allocateDirect(64 * 1024)
                    var written = 0L
                    while (written < FILE_BYTES) {
                        zeros.clear().limit(minOf(zeros.capacity().toLong(), FILE_BYTES - written).toInt())
                        written += channel.write(zeros, written)
                    }
                    SharedRing(map(channel))
                }
            } catch (_: Exception) {
                // Ours, and of no use: a full tmpfs, say.
                runCatching { Files.deleteIfExists(path) }
                null
            }
        }

        /**
         * Receiver: maps the peer's ring file [path], checking that it is a regular file of the
         * ring's size, and deletes the file (the mapping keeps the memory until both sides unmap).
         */
        public fun open(path: Path): SharedRing {
            try {
                if (!Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
                    throw ExtraditeProtocolError("the peer sent a shared-memory attachment, but its ring $path is missing or not a regular file")
                }
                FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS).use { channel ->
                    val size = channel.size()
                    if (size != FILE_BYTES) throw ExtraditeProtocolError("the peer's shared-memory ring $path holds $size bytes, not $FILE_BYTES")
                    return SharedRing(map(channel))
                }
            } catch (e: IOException) {
                throw ExtraditeProtocolError("cannot map the peer's shared-memory ring $path: ${e.message}", e)
            } finally {
                runCatching { Files.deleteIfExists(path) }
            }
        }

        /** Maps the whole ring file of [channel] read-write, in the way this JDK can unmap at once. */
        private fun map(channel: FileChannel): Mapping {
            foreignMap?.let { return it(channel) }
            val buffer = channel.map(FileChannel.MapMode.READ_WRITE, 0, FILE_BYTES)
            // Without the cleaner the mapping goes when the buffer is collected.
            return Mapping(buffer) { unsafeCleaner?.invoke(buffer) }
        }

        /**
         * JDK 22 and later: the foreign memory API maps the file into a shared arena, and closing
         * the arena unmaps it (`sun.misc.Unsafe.invokeCleaner` warns there that it will be removed).
         * Found by reflection, since this code is compiled for JDK 17. Null on older JDKs.
         */
        private val foreignMap: ((FileChannel) -> Mapping)? = if (Runtime.version().feature() < 22) null else try {
            val arenaType = Class.forName("java.lang.foreign.Arena")
            val ofShared = arenaType.getMethod("ofShared")
            val long = Long::class.javaPrimitiveType
            val mapInto = FileChannel::class.java.getMethod("map", FileChannel.MapMode::class.java, long, long, arenaType)
            val asByteBuffer = Class.forName("java.lang.foreign.MemorySegment").getMethod("asByteBuffer")
            val mapper: (FileChannel) -> Mapping = { channel ->
                val arena = ofShared.invoke(null) as AutoCloseable
                try {
                    val segment = mapInto.invoke(channel, FileChannel.MapMode.READ_WRITE, 0L, FILE_BYTES, arena)
                    Mapping(asByteBuffer.invoke(segment) as ByteBuffer) { arena.close() }
                } catch (e: Throwable) {
                    arena.close()
                    throw (e as? java.lang.reflect.InvocationTargetException)?.cause ?: e
                }
            }
            mapper
        } catch (_: ReflectiveOperationException) {
            null
        }

        /** JDK 17 to 21: `sun.misc.Unsafe.invokeCleaner`, the one way there to unmap before garbage collection; null when absent. */
        private val unsafeCleaner: ((ByteBuffer) -> Unit)? = if (foreignMap != null) null else try {
            val type = Class.forName("sun.misc.Unsafe")
            val unsafe = type.getDeclaredField("theUnsafe").apply { isAccessible = true }.get(null)
            val invokeCleaner = type.getMethod("invokeCleaner", ByteBuffer::class.java)
            val clean: (ByteBuffer) -> Unit = { buffer -> invokeCleaner.invoke(unsafe, buffer) }
            clean
        } catch (_: ReflectiveOperationException) {
            null
        } catch (_: RuntimeException) {
            null
        }
    }

    /** A mapped ring file: its bytes, and how to unmap them (called once, with no copy in progress). */
    private class Mapping(val buffer: ByteBuffer, val unmap: () -> Unit)
}
