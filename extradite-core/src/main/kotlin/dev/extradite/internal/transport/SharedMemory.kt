@file:OptIn(InternalExtraditeApi::class)

package dev.extradite.internal.transport

import dev.extradite.InternalExtraditeApi
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.attribute.PosixFilePermissions

/**
 * A session's shared memory for large attachments: where its two [SharedRing]s live, and the
 * host's setting for which attachments use them.
 *
 * Each session gets a fresh private (0700) directory on `/dev/shm`; the host makes it and names
 * it to the child in the handshake. Each side makes its own ring there when it first sends a
 * large attachment, and the receiver deletes the file once it has mapped it. The host deletes
 * the directory when the session is closed, and so does a child whose host died. Without `/dev/shm`
 * (macOS, Windows) there is no directory, and everything goes by socket.
 */
@InternalExtraditeApi
public object SharedMemory {
    /** Attachments of this many bytes and more go through shared memory unless the host says otherwise. */
    public const val DEFAULT_THRESHOLD: Int = 64 * 1024

    /** The file of the host's ring, which carries host-to-child attachments. */
    public const val HOST_RING: String = "host.ring"

    /** The file of the child's ring, which carries child-to-host attachments. */
    public const val CHILD_RING: String = "child.ring"

    /**
     * The host's setting, `-Dextradite.bulk.threshold`: attachments of this many bytes and more
     * go through shared memory; 0 turns it off. [DEFAULT_THRESHOLD] when unset.
     */
    public fun thresholdFromHostSettings(): Int {
        val text = System.getProperty("extradite.bulk.threshold") ?: return DEFAULT_THRESHOLD
        return text.toIntOrNull()?.takeIf { it >= 0 }
            ?: throw IllegalArgumentException("system property extradite.bulk.threshold=$text is not a byte count; give one such as 65536, or 0 to send everything by socket")
    }

    /** A fresh private directory for one session's rings on `/dev/shm`; null where there is none, or it cannot be made. */
    public fun createDirectory(): Path? {
        val shm = Path.of("/dev/shm")
        if (!Files.isDirectory(shm) || !Files.isWritable(shm)) return null
        return try {
            Files.createTempDirectory(shm, "extradite-bulk-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")))
        } catch (_: Exception) {
            null
        }
    }

    /**
     * Deletes [directory] and everything in it, quietly; also used for the socket's directory
     * once the child has connected. The walk is closed, so no directory handle is left open.
     */
    public fun deleteDirectory(directory: Path) {
        runCatching { Files.walk(directory).use { paths -> paths.sorted(Comparator.reverseOrder()).forEach { Files.deleteIfExists(it) } } }
    }

    /** Turns shared memory on for [transport] (a [SocketChannelTransport]; others ignore it) of the side that sends through [ownRing]. */
    public fun share(transport: FrameTransport, directory: Path?, threshold: Int, ownRing: String, peerRing: String) {
        if (directory == null || threshold <= 0) return
        (transport as? SocketChannelTransport)?.shareMemory(directory, threshold, ownRing, peerRing)
    }
}
