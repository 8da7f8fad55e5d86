@file:OptIn(InternalExtraditeApi::class)

package dev.extradite.internal.wire

import dev.extradite.ExtraditeProtocolError
import dev.extradite.InternalExtraditeApi
import java.nio.ByteBuffer

/**
 * One unit on the wire: an envelope (UTF-8 JSON) and the raw attachments it refers to by index.
 *
 * Layout, all integers big-endian:
 * ```
 * u32 length            bytes after this field
 * u8  kind              FRAME_KIND_ENVELOPE (JSON) or FRAME_KIND_COMPACT (see CompactCodec)
 * u32 envelopeLength    then that many bytes of JSON
 * u32 attachmentCount   then one u32 length per attachment, then the attachments' bytes
 * ```
 * An attachment length with its top bit set ([SHARED_FLAG]) is that of an attachment that
 * crossed through the sender's shared-memory ring instead (see `SharedRing`): its bytes are not
 * in the frame but next in the ring, in the order of the frames. Such a length counts for
 * [bodySize], the frame's size as the maximum frame size sees it, but not for the bytes sent.
 */
@InternalExtraditeApi
public class Frame(
    public val envelope: ByteArray,
    public val attachments: List<ByteArray> = emptyList(),
    public val kind: Byte = FRAME_KIND_ENVELOPE,
) {
    /** Bytes after the length prefix, attachments included wherever they travel: what the maximum frame size limits. */
    public val bodySize: Long
        get() = wireBodySize(null)

    /** Bytes after the length prefix on the socket: those of the attachments marked in [shared] travel elsewhere. */
    public fun wireBodySize(shared: BooleanArray? = null): Long {
        var size = 1L + 4 + envelope.size + 4 + 4L * attachments.size
        for (i in attachments.indices) if (!shared.marks(i)) size += attachments[i].size
        return size
    }

    /** Whether attachment [i] is marked in these marks (none are when there are none). */
    private fun BooleanArray?.marks(i: Int): Boolean = this != null && this[i]

    /** The whole frame, length prefix included, as one array so that it goes out in one write. */
    public fun toBytes(): ByteArray {
        val bytes = ByteArray(4 + checkedWireSize(null))
        var at = putHead(bytes, null)
        for (attachment in attachments) {
            attachment.copyInto(bytes, at)
            at += attachment.size
        }
        return bytes
    }

    /** [wireBodySize] as an Int, or an error when the frame is too large to encode. */
    private fun checkedWireSize(shared: BooleanArray?): Int {
        val body = wireBodySize(shared)
        check(body <= Int.MAX_VALUE - 4) { "frame of $body bytes cannot be encoded" }
        return body.toInt()
    }

    /**
     * Writes everything before the attachments' bytes into [bytes] from its start: the length
     * prefix, header, envelope and attachment lengths (flagged for those marked in [shared]);
     * returns the index after them. Plain array writes: the JVM runs a frame's first few
     * thousand of these interpreted, where each `ByteBuffer` put is several JDK calls deep.
     */
    private fun putHead(bytes: ByteArray, shared: BooleanArray?): Int {
        var at = putIntBigEndian(bytes, 0, checkedWireSize(shared))
        bytes[at++] = kind
        at = putIntBigEndian(bytes, at, envelope.size)
        envelope.copyInto(bytes, at)
        at = putIntBigEndian(bytes, at + envelope.size, attachments.size)
        for (i in attachments.indices) {
            val size = attachments[i].size
            at = putIntBigEndian(bytes, at, if (shared.marks(i)) size or SHARED_FLAG else size)
        }
        return at
    }

    public companion object {
        public const val FRAME_KIND_ENVELOPE: Byte = 1
        public const val FRAME_KIND_COMPACT: Byte = 2

        /** The top bit of an attachment length: the attachment is in the sender's shared-memory ring. */
        public const val SHARED_FLAG: Int = Int.MIN_VALUE

        /** Smallest legal body: kind, an empty envelope length and a zero attachment count. */
        public const val MIN_BODY_SIZE: Int = 9

        /**
         * Parses a frame body (the bytes after the length prefix), validating every length
         * against the bytes actually present: the peer's bytes are hostile until checked.
         */
        public fun parseBody(body: ByteArray, shared: SharedAttachments? = null): Frame {
            // [read] checks every length against the body before it reads that far.
            var at = 0
            return read(body.size, shared, object : Source {
                override fun byte(): Byte = body[at++]

                override fun int(): Int = getIntBigEndian(body, at).also { at += 4 }

                override fun bytes(count: Int): ByteArray = body.copyOfRange(at, at + count).also { at += count }
            })
        }

        /**
         * Reads a frame body of [length] bytes (already checked against the maximum frame size)
         * from [source], validating each length before anything is allocated for it. A transport
         * reads the envelope and every attachment straight into its own array this way, with no
         * copy of the whole body. Attachments flagged as shared come from [shared]; without it, or
         * beyond its limit, the frame is refused.
         */
        public fun read(length: Int, shared: SharedAttachments?, source: Source): Frame {
            fun violation(what: String): Nothing = throw ExtraditeProtocolError("malformed frame from the peer: $what")
            if (length < MIN_BODY_SIZE) violation("body of $length bytes is shorter than the $MIN_BODY_SIZE-byte minimum")
            val kind = source.byte()
            if (kind != FRAME_KIND_ENVELOPE && kind != FRAME_KIND_COMPACT) violation("unknown frame kind $kind")
            val envelopeLength = source.int()
            var remaining = length - 5L
            if (envelopeLength < 0 || envelopeLength > remaining - 4) violation("envelope length $envelopeLength exceeds the frame")
            val envelope = source.bytes(envelopeLength)
            remaining -= envelopeLength.toLong() + 4
            val count = source.int()
            if (count < 0 || count.toLong() * 4 > remaining) violation("attachment count $count exceeds the frame")
            remaining -= 4L * count
            val lengths = IntArray(count) { source.int() }
            var total = 0L
            var sharedTotal = 0L
            var sharedCount = 0
            for (attachmentLength in lengths) {
                if (attachmentLength and SHARED_FLAG == 0) {
                    total += attachmentLength
                } else {
                    sharedCount++
                    sharedTotal += attachmentLength and SHARED_FLAG.inv()
                }
            }
            if (total != remaining) violation("attachments declare $total bytes but $remaining follow")
            // The flag, not the length, sends the reader to the ring: an attachment flagged as
            // shared needs a connection that shares memory even when it is empty.
            if (sharedCount > 0) {
                if (shared == null) violation("it has attachments in shared memory, which this connection does not use")
                val limit = shared.limitFor(length)
                if (sharedTotal > limit) violation("its attachments in shared memory total $sharedTotal bytes; the most is $limit")
            }
            val attachments = lengths.map { if (it and SHARED_FLAG == 0) source.bytes(it) else shared!!.take(it and SHARED_FLAG.inv()) }
            return Frame(envelope, attachments, kind)
        }
    }

    /** Where [read] takes the attachments a frame flags as shared, in order. */
    public interface SharedAttachments {
        /** The most bytes a frame whose body on the socket is [bodyLength] bytes may take; more is a protocol violation. */
        public fun limitFor(bodyLength: Int): Int

        /** The next [count] bytes (within the frame's limit), in a new array of exactly that size. */
        public fun take(count: Int): ByteArray
    }

    /** Where [read] takes a frame's fields from, in order; big-endian. */
    public interface Source {
        /** The next byte. */
        public fun byte(): Byte

        /** The next four bytes as a big-endian int. */
        public fun int(): Int

        /** The next [count] bytes, in a new array of exactly that size. */
        public fun bytes(count: Int): ByteArray
    }

    /** Puts the frame, length prefix included, into [buffer], which has room for it; the attachments marked in [shared] only by their lengths. */
    public fun writeTo(buffer: ByteBuffer, shared: BooleanArray? = null) {
        buffer.put(head(shared))
        for (i in attachments.indices) if (!shared.marks(i)) buffer.put(attachments[i])
    }

    /** The frame up to its attachments' bytes, in an array of its own. */
    private fun head(shared: BooleanArray?): ByteArray = ByteArray(4 + 1 + 4 + envelope.size + 4 + 4 * attachments.size).also { putHead(it, shared) }

    /**
     * The frame as buffers for one gathering write: the length prefix, header and envelope in one
     * small buffer, then each attachment not marked in [shared] as it is, never copied into a
     * frame-sized array.
     */
    public fun toBuffers(shared: BooleanArray? = null): Array<ByteBuffer> {
        val head = ByteBuffer.wrap(head(shared))
        val inline = attachments.filterIndexed { i, _ -> !shared.marks(i) }
        return Array(1 + inline.size) { if (it == 0) head else ByteBuffer.wrap(inline[it - 1]) }
    }
}
