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
 */
@InternalExtraditeApi
public class Frame(
    public val envelope: ByteArray,
    public val attachments: List<ByteArray> = emptyList(),
    public val kind: Byte = FRAME_KIND_ENVELOPE,
) {
    /** Bytes after the length prefix. */
    public val bodySize: Long
        get() = 1L + 4 + envelope.size + 4 + 4L * attachments.size + attachments.sumOf { it.size.toLong() }

    /** The whole frame, length prefix included, as one array so that it goes out in one write. */
    public fun toBytes(): ByteArray {
        val bytes = ByteArray(4 + checkedBodySize())
        var at = putHead(bytes)
        for (attachment in attachments) {
            attachment.copyInto(bytes, at)
            at += attachment.size
        }
        return bytes
    }

    /** [bodySize] as an Int, or an error when the frame is too large to encode. */
    private fun checkedBodySize(): Int {
        val body = bodySize
        check(body <= Int.MAX_VALUE - 4) { "frame of $body bytes cannot be encoded" }
        return body.toInt()
    }

    /**
     * Writes everything before the attachments' bytes into [bytes] from its start: the length
     * prefix, header, envelope and attachment lengths; returns the index after them. Plain array
     * writes: the JVM runs a frame's first few thousand of these interpreted, where each
     * `ByteBuffer` put is several JDK calls deep.
     */
    private fun putHead(bytes: ByteArray): Int {
        var at = putIntBigEndian(bytes, 0, checkedBodySize())
        bytes[at++] = kind
        at = putIntBigEndian(bytes, at, envelope.size)
        envelope.copyInto(bytes, at)
        at = putIntBigEndian(bytes, at + envelope.size, attachments.size)
        for (attachment in attachments) at = putIntBigEndian(bytes, at, attachment.size)
        return at
    }

    public companion object {
        public const val FRAME_KIND_ENVELOPE: Byte = 1
        public const val FRAME_KIND_COMPACT: Byte = 2

        /** Smallest legal body: kind, an empty envelope length and a zero attachment count. */
        public const val MIN_BODY_SIZE: Int = 9

        /**
         * Parses a frame body (the bytes after the length prefix), validating every length
         * against the bytes actually present: the peer's bytes are hostile until checked.
         */
        public fun parseBody(body: ByteArray): Frame {
            // [read] checks every length against the body before it reads that far.
            var at = 0
            return read(body.size, object : Source {
                override fun byte(): Byte = body[at++]

                override fun int(): Int = getIntBigEndian(body, at).also { at += 4 }

                override fun bytes(count: Int): ByteArray = body.copyOfRange(at, at + count).also { at += count }
            })
        }

        /**
         * Reads a frame body of [length] bytes (already checked against the maximum frame size)
         * from [source], validating each length before anything is allocated for it. A transport
         * reads the envelope and every attachment straight into its own array this way, with no
         * copy of the whole body.
         */
        public fun read(length: Int, source: Source): Frame {
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
            for (attachmentLength in lengths) {
                if (attachmentLength < 0) violation("negative attachment length $attachmentLength")
                total += attachmentLength
            }
            if (total != remaining) violation("attachments declare $total bytes but $remaining follow")
            val attachments = lengths.map(source::bytes)
            return Frame(envelope, attachments, kind)
        }
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

    /** Puts the whole frame, length prefix included, into [buffer], which has room for it. */
    public fun writeTo(buffer: ByteBuffer) {
        buffer.put(head())
        for (attachment in attachments) buffer.put(attachment)
    }

    /** The frame up to its attachments' bytes, in an array of its own. */
    private fun head(): ByteArray = ByteArray(4 + 1 + 4 + envelope.size + 4 + 4 * attachments.size).also { putHead(it) }

    /**
     * The frame as buffers for one gathering write: the length prefix, header and envelope in one
     * small buffer, then each attachment as it is, never copied into a frame-sized array.
     */
    public fun toBuffers(): Array<ByteBuffer> {
        val head = head()
        return Array(1 + attachments.size) { ByteBuffer.wrap(if (it == 0) head else attachments[it - 1]) }
    }
}
