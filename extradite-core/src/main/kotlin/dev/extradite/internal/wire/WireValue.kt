@file:OptIn(InternalExtraditeApi::class)

package dev.extradite.internal.wire

import dev.extradite.InternalExtraditeApi
import kotlinx.serialization.SerialName
import kotlinx.serialization.Serializable
import kotlinx.serialization.json.JsonElement

/**
 * One value as it travels inside an envelope. Every case keeps the exact JVM type of what was
 * sent (an `Int` is [I32], a `Long` is [I64]), so the receiver rebuilds the same type.
 *
 * Serial names are frozen: they are the wire format.
 */
@InternalExtraditeApi
@Serializable
public sealed class WireValue {
    @Serializable @SerialName("null") public data object Null : WireValue()
    @Serializable @SerialName("z") public data class Bool(val v: Boolean) : WireValue()
    @Serializable @SerialName("b") public data class I8(val v: Byte) : WireValue()
    @Serializable @SerialName("s") public data class I16(val v: Short) : WireValue()
    @Serializable @SerialName("i") public data class I32(val v: Int) : WireValue()
    @Serializable @SerialName("j") public data class I64(val v: Long) : WireValue()
    @Serializable @SerialName("f") public data class F32(val v: Float) : WireValue()
    @Serializable @SerialName("d") public data class F64(val v: Double) : WireValue()
    @Serializable @SerialName("c") public data class Chr(val v: Char) : WireValue()
    @Serializable @SerialName("str") public data class Str(val v: String) : WireValue()

    /** A primitive array; its bytes travel as raw attachment number [attachment] of the frame. */
    @Serializable @SerialName("parr") public data class PrimitiveArray(val type: PrimitiveType, val attachment: Int) : WireValue()

    /**
     * A `ByteBuffer`'s remaining bytes, which travel as raw attachment number [attachment]; the
     * receiver gets a buffer of them from position 0, [direct] when the one sent was.
     */
    @Serializable @SerialName("buf") public data class BufferOf(val attachment: Int, val direct: Boolean) : WireValue()

    /** An array of references, rebuilt with component type [componentType] where the receiver can load it. */
    @Serializable @SerialName("oarr") public data class ObjectArray(val componentType: String, val items: List<WireValue>) : WireValue()

    @Serializable @SerialName("list") public data class ListOf(val items: List<WireValue>) : WireValue()

    /**
     * A `List` of non-null `Int`s, `Long`s or `Double`s, packed into raw attachment number
     * [attachment] instead of one JSON object per element (a list of 8192 ints decodes ~50x faster).
     */
    @Serializable @SerialName("plist") public data class PackedList(val type: PrimitiveType, val attachment: Int) : WireValue()
    @Serializable @SerialName("set") public data class SetOf(val items: List<WireValue>) : WireValue()
    @Serializable @SerialName("map") public data class MapOf(val keys: List<WireValue>, val values: List<WireValue>) : WireValue()

    /** An enum constant of [type]; the receiver loads [type] (after the isolation check). */
    @Serializable @SerialName("enum") public data class EnumOf(val type: String, val name: String) : WireValue()

    /** A Java record of [type], components in declaration order. */
    @Serializable @SerialName("rec") public data class RecordOf(val type: String, val components: List<WireValue>) : WireValue()

    /** A `@Serializable` class of [type] in its kotlinx-serialization JSON form. */
    @Serializable @SerialName("ser") public data class SerializableOf(val type: String, val json: JsonElement) : WireValue()

    /**
     * An argument passed by parameter name (`named(...)`): only a call's own argument, never
     * nested in another value. Sent as JSON (the compact form has no tag for it).
     */
    @Serializable @SerialName("named") public data class Named(val name: String, val value: WireValue) : WireValue()

    /**
     * A handle: object [id] in the table of [owner]. [type] is the object's binary class name,
     * for messages only; the receiver never loads it. For host objects, [interfaces] lists the
     * interfaces the object implements (the child's proxy implements those it can load) and
     * [sam] names its one functional method, if it has one, for adapting it to other
     * functional interfaces.
     */
    @Serializable @SerialName("ref") public data class Ref(
        val owner: Side,
        val id: Long,
        val type: String,
        val interfaces: List<String> = emptyList(),
        val sam: String? = null,
    ) : WireValue()
}

/** Which side of a session owns a handle. */
@InternalExtraditeApi
@Serializable
public enum class Side { HOST, CHILD }

/** Element type of a [WireValue.PrimitiveArray]; the attachment holds the elements big-endian. */
@InternalExtraditeApi
@Serializable
public enum class PrimitiveType(public val width: Int) { BOOLEAN(1), BYTE(1), SHORT(2), CHAR(2), INT(4), LONG(8), FLOAT(4), DOUBLE(8) }
