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
        val body = bodySize
        check(body <= Int.MAX_VALUE - 4) { "frame of $body bytes cannot be encoded" }
        val buffer = ByteBuffer.allocate(4 + body.toInt())
        buffer.putInt(body.toInt())
        buffer.put(kind)
        buffer.putInt(envelope.size)
        buffer.put(envelope)
        buffer.putInt(attachments.size)
        for (attachment in attachments) buffer.putInt(attachment.size)
        for (attachment in attachments) buffer.put(attachment)
        return buffer.array()
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
            fun violation(what: String): Nothing = throw ExtraditeProtocolError("malformed frame from the peer: $what")
            if (body.size < MIN_BODY_SIZE) violation("body of ${body.size} bytes is shorter than the $MIN_BODY_SIZE-byte minimum")
            val buffer = ByteBuffer.wrap(body)
            val kind = buffer.get()
            if (kind != FRAME_KIND_ENVELOPE && kind != FRAME_KIND_COMPACT) violation("unknown frame kind $kind")
            val envelopeLength = buffer.int
            if (envelopeLength < 0 || envelopeLength > buffer.remaining() - 4) violation("envelope length $envelopeLength exceeds the frame")
            val envelope = ByteArray(envelopeLength).also { buffer.get(it) }
            val count = buffer.int
            if (count < 0 || count.toLong() * 4 > buffer.remaining()) violation("attachment count $count exceeds the frame")
            val lengths = IntArray(count) { buffer.int }
            var total = 0L
            for (length in lengths) {
                if (length < 0) violation("negative attachment length $length")
                total += length
            }
            if (total != buffer.remaining().toLong()) violation("attachments declare $total bytes but ${buffer.remaining()} follow")
            val attachments = lengths.map { ByteArray(it).also { bytes -> buffer.get(bytes) } }
            return Frame(envelope, attachments, kind)
        }
    }
}
