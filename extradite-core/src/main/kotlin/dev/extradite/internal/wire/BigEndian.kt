package dev.extradite.internal.wire

/**
 * Writes [v] big-endian into [bytes] at [at] and returns the index after it. Inline: the codecs
 * call it once per element, often while the JVM still interprets them, where a `ByteBuffer` put
 * would be several JDK calls deep.
 */
@Suppress("NOTHING_TO_INLINE")
internal inline fun putIntBigEndian(bytes: ByteArray, at: Int, v: Int): Int {
    bytes[at] = (v shr 24).toByte()
    bytes[at + 1] = (v shr 16).toByte()
    bytes[at + 2] = (v shr 8).toByte()
    bytes[at + 3] = v.toByte()
    return at + 4
}

/** [putIntBigEndian] for a `Long`: its high half, then its low half. */
@Suppress("NOTHING_TO_INLINE")
internal inline fun putLongBigEndian(bytes: ByteArray, at: Int, v: Long): Int =
    putIntBigEndian(bytes, putIntBigEndian(bytes, at, (v ushr 32).toInt()), v.toInt())

/** The big-endian `Int` in [bytes] at [at]; the caller has checked that four bytes are there. */
@Suppress("NOTHING_TO_INLINE")
internal inline fun getIntBigEndian(bytes: ByteArray, at: Int): Int =
    (bytes[at].toInt() shl 24) or ((bytes[at + 1].toInt() and 0xFF) shl 16) or
        ((bytes[at + 2].toInt() and 0xFF) shl 8) or (bytes[at + 3].toInt() and 0xFF)
