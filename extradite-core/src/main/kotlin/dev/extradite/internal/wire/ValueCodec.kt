@file:OptIn(InternalExtraditeApi::class)

package dev.extradite.internal.wire

import dev.extradite.ExtraditeProtocolError
import dev.extradite.InternalExtraditeApi
import dev.extradite.NamedArgument
import dev.extradite.isJavaIdentifier
import dev.extradite.TransportPolicy
import dev.extradite.UnsupportedInteractionError
import kotlinx.serialization.KSerializer
import kotlinx.serialization.Serializable
import kotlinx.serialization.serializer
import java.lang.reflect.Constructor
import java.lang.reflect.InvocationTargetException
import java.nio.ByteBuffer

/**
 * The side-specific half of the value codec: how this side turns objects that are not values
 * into handles and back, and how it loads the types of enums, records and `@Serializable`
 * values. The host checks the protected tree here, before it loads anything.
 */
@InternalExtraditeApi
public interface CodecContext {
    /** A handle for [value] when it is a proxy of, or a handle owned by, either side; else null. */
    public fun referenceOf(value: Any): WireValue.Ref?

    /** A new or existing handle for a local object that is not a value. */
    public fun export(value: Any): WireValue.Ref

    /** The object a handle stands for: the original when this side owns it, else a proxy. */
    public fun import(ref: WireValue.Ref): Any?

    /** Loads the class of an enum, record, `@Serializable` value or array component named on the wire. */
    public fun loadValueType(name: String): Class<*>

    /** The policy for a non-scalar value about to be sent. */
    public fun policyFor(value: Any): TransportPolicy = TransportPolicy.VALUE
}

/**
 * The most levels a value nests: the encoder refuses a deeper one before it is sent, and the
 * decoder one from the peer. The JSON form makes room for it (see [EnvelopeCodec]).
 */
internal const val MAX_VALUE_DEPTH = 256

/** The longest argument name accepted from the peer (the JVM allows 65,535 bytes; no real parameter comes near). */
private const val MAX_NAME_LENGTH = 1024

/** How the codec treats a class, decided once per class. */
private enum class ValueKind { ENUM, RECORD, SERIALIZABLE, OTHER }

private val valueKinds = object : ClassValue<ValueKind>() {
    override fun computeValue(type: Class<*>): ValueKind = when {
        type.isEnum || (type.superclass?.isEnum == true) -> ValueKind.ENUM
        type.isRecord -> ValueKind.RECORD
        type.isAnnotationPresent(Serializable::class.java) -> ValueKind.SERIALIZABLE
        else -> ValueKind.OTHER
    }
}

private val serializers = object : ClassValue<KSerializer<Any?>>() {
    @Suppress("UNCHECKED_CAST")
    override fun computeValue(type: Class<*>): KSerializer<Any?> = serializer(type) as KSerializer<Any?>
}

private val canonicalConstructors = object : ClassValue<Constructor<*>>() {
    override fun computeValue(type: Class<*>): Constructor<*> =
        type.getDeclaredConstructor(*type.recordComponents.map { it.type }.toTypedArray()).also { it.trySetAccessible() }
}

/**
 * Encodes outgoing values into [WireValue]s, collecting raw attachments for primitive arrays.
 * One encoder serves one outgoing frame.
 */
@InternalExtraditeApi
public class ValueEncoder(private val context: CodecContext) {
    /** Attachments referred to by the encoded values, in index order. */
    public val attachments: ArrayList<ByteArray> = ArrayList(0)

    public fun encode(value: Any?): WireValue = encode(value, 0)

    /** A call's arguments: those passed by name ([NamedArgument]) travel with their names. */
    public fun encodeAll(values: Array<out Any?>): List<WireValue> = values.map(::encodeArgument)

    /** As [encodeAll], for the argument list of one call of a batch. */
    public fun encodeAll(values: List<Any?>): List<WireValue> = values.map(::encodeArgument)

    /**
     * A batch's results: always a list, packed when they are all numbers of one kind. The call's
     * policy applies to each result, never to the list that carries them.
     */
    public fun encodeResults(results: List<Any?>): WireValue = packed(results) ?: WireValue.ListOf(results.map { encode(it, 1) })

    private fun encodeArgument(value: Any?): WireValue =
        if (value is NamedArgument) WireValue.Named(value.name, encode(value.value, 0)) else encode(value, 0)

    private fun encode(value: Any?, depth: Int): WireValue {
        // Depth counts from 0 here and levels from 1 in the decoder: a value at depth
        // MAX_VALUE_DEPTH would be a level the decoder refuses.
        if (depth >= MAX_VALUE_DEPTH) {
            throw UnsupportedInteractionError("value nests deeper than $MAX_VALUE_DEPTH levels (a cycle?); send it by reference or flatten it")
        }
        // By identity: `when (value) { Unit -> }` would call the value's own equals(Unit), which a
        // sloppy equals answers with a ClassCastException (or never).
        if (value == null || value === Unit) return WireValue.Null
        return when (value) {
            is Boolean -> WireValue.Bool(value)
            is Byte -> WireValue.I8(value)
            is Short -> WireValue.I16(value)
            is Int -> WireValue.I32(value)
            is Long -> WireValue.I64(value)
            is Float -> WireValue.F32(value)
            is Double -> WireValue.F64(value)
            is Char -> WireValue.Chr(value)
            is String -> WireValue.Str(value)
            is NamedArgument -> throw UnsupportedInteractionError(
                "named(\"${value.name}\", ...) was found inside another value; pass it as an argument of the call itself",
            )
            else -> context.referenceOf(value) ?: encodeObject(value, depth)
        }
    }

    private fun encodeObject(value: Any, depth: Int): WireValue {
        if (context.policyFor(value) == TransportPolicy.REFERENCE) return context.export(value)
        return when (value) {
            is ByteArray -> attach(PrimitiveType.BYTE, value)
            // Its remaining bytes; the sender's buffer keeps its position.
            is ByteBuffer -> {
                attachments.add(ByteArray(value.remaining()).also { value.duplicate().get(it) })
                WireValue.BufferOf(attachments.size - 1, value.isDirect)
            }
            is IntArray -> attach(PrimitiveType.INT, ByteBuffer.allocate(value.size * 4).also { it.asIntBuffer().put(value) }.array())
            is LongArray -> attach(PrimitiveType.LONG, ByteBuffer.allocate(value.size * 8).also { it.asLongBuffer().put(value) }.array())
            is DoubleArray -> attach(PrimitiveType.DOUBLE, ByteBuffer.allocate(value.size * 8).also { it.asDoubleBuffer().put(value) }.array())
            is FloatArray -> attach(PrimitiveType.FLOAT, ByteBuffer.allocate(value.size * 4).also { it.asFloatBuffer().put(value) }.array())
            is ShortArray -> attach(PrimitiveType.SHORT, ByteBuffer.allocate(value.size * 2).also { it.asShortBuffer().put(value) }.array())
            is CharArray -> attach(PrimitiveType.CHAR, ByteBuffer.allocate(value.size * 2).also { it.asCharBuffer().put(value) }.array())
            is BooleanArray -> attach(PrimitiveType.BOOLEAN, ByteArray(value.size) { if (value[it]) 1 else 0 })
            is Array<*> -> WireValue.ObjectArray(value.javaClass.componentType.name, value.map { encode(it, depth + 1) })
            else -> when (valueKinds.get(value.javaClass)) {
                ValueKind.ENUM -> WireValue.EnumOf((value as Enum<*>).declaringJavaClass.name, value.name)
                ValueKind.RECORD -> WireValue.RecordOf(
                    value.javaClass.name,
                    value.javaClass.recordComponents.map { component ->
                        component.accessor.trySetAccessible()
                        encode(component.accessor.invoke(value), depth + 1)
                    },
                )
                ValueKind.SERIALIZABLE -> WireValue.SerializableOf(
                    value.javaClass.name,
                    EnvelopeCodec.json.encodeToJsonElement(serializers.get(value.javaClass), value),
                )
                ValueKind.OTHER -> when (value) {
                    is List<*> -> packed(value) ?: WireValue.ListOf(value.map { encode(it, depth + 1) })
                    is Set<*> -> WireValue.SetOf(value.map { encode(it, depth + 1) })
                    is Map<*, *> -> WireValue.MapOf(value.keys.map { encode(it, depth + 1) }, value.values.map { encode(it, depth + 1) })
                    else -> context.export(value)
                }
            }
        }
    }

    /** [list] as a [WireValue.PackedList] when it is long enough and all `Int`, all `Long` or all `Double`; else null. */
    private fun packed(list: List<*>): WireValue? {
        if (list.size < 8) return null
        val type = when (list[0]) {
            is Int -> PrimitiveType.INT
            is Long -> PrimitiveType.LONG
            is Double -> PrimitiveType.DOUBLE
            else -> return null
        }
        val elementClass = list[0]!!.javaClass
        // One pass, written straight into the array (a ByteBuffer put per element is several JDK
        // calls, which an interpreting JVM, a short session, pays 8,192 times for a list of
        // 8,192); an element of another class abandons the packing.
        val bytes = ByteArray(list.size * type.width)
        var at = 0
        for (element in list) {
            if (element == null || element.javaClass !== elementClass) return null
            at = when (type) {
                PrimitiveType.INT -> putIntBigEndian(bytes, at, element as Int)
                PrimitiveType.LONG -> putLongBigEndian(bytes, at, element as Long)
                else -> putLongBigEndian(bytes, at, (element as Double).toRawBits())
            }
        }
        attachments.add(bytes)
        return WireValue.PackedList(type, attachments.size - 1)
    }

    private fun attach(type: PrimitiveType, bytes: ByteArray): WireValue {
        attachments.add(bytes)
        return WireValue.PrimitiveArray(type, attachments.size - 1)
    }
}

/** Decodes incoming [WireValue]s of one frame, whose attachments are [attachments]. */
@InternalExtraditeApi
public class ValueDecoder(private val context: CodecContext, private val attachments: List<ByteArray>) {
    private val usedAttachments = BooleanArray(attachments.size)
    private var depth = 0

    public fun decode(value: WireValue): Any? {
        // Hostile input is bounded: no nesting deeper than the encoder would produce.
        if (++depth > MAX_VALUE_DEPTH) throw ExtraditeProtocolError("a value nests deeper than $MAX_VALUE_DEPTH levels")
        try {
            return decodeValue(value)
        } finally {
            depth--
        }
    }

    private fun decodeValue(value: WireValue): Any? = when (value) {
        WireValue.Null -> null
        is WireValue.Bool -> value.v
        is WireValue.I8 -> value.v
        is WireValue.I16 -> value.v
        is WireValue.I32 -> value.v
        is WireValue.I64 -> value.v
        is WireValue.F32 -> value.v
        is WireValue.F64 -> value.v
        is WireValue.Chr -> value.v
        is WireValue.Str -> value.v
        is WireValue.PrimitiveArray -> decodeArray(value)
        is WireValue.BufferOf -> {
            val bytes = decodeArray(WireValue.PrimitiveArray(PrimitiveType.BYTE, value.attachment)) as ByteArray
            if (value.direct) ByteBuffer.allocateDirect(bytes.size).put(bytes).flip() else ByteBuffer.wrap(bytes)
        }
        is WireValue.ObjectArray -> {
            val component = context.loadValueType(value.componentType)
            val array = try {
                java.lang.reflect.Array.newInstance(component, value.items.size)
            } catch (e: IllegalArgumentException) {
                // An array of 255 dimensions (the JVM's most) cannot be a component type: no
                // sender's array has one.
                throw ExtraditeProtocolError("the peer sent an array whose component type ${value.componentType} cannot have arrays (${e.message})", e)
            }
            value.items.forEachIndexed { index, item ->
                val element = decode(item)
                if (element != null && !component.isInstance(element)) {
                    throw ExtraditeProtocolError("array element $index of type ${element.javaClass.name} does not fit an array of ${component.name}")
                }
                java.lang.reflect.Array.set(array, index, element)
            }
            array
        }
        is WireValue.ListOf -> value.items.mapTo(ArrayList(value.items.size)) { decode(it) }
        is WireValue.PackedList -> when (val array = decodeArray(WireValue.PrimitiveArray(value.type, value.attachment))) {
            is IntArray, is LongArray, is DoubleArray -> PackedList(array, java.lang.reflect.Array.getLength(array))
            else -> throw ExtraditeProtocolError("a packed list of ${value.type} is not supported; only INT, LONG and DOUBLE are")
        }
        is WireValue.SetOf -> value.items.mapTo(LinkedHashSet(value.items.size * 2)) { decode(it) }
        is WireValue.MapOf -> {
            if (value.keys.size != value.values.size) throw ExtraditeProtocolError("map with ${value.keys.size} keys but ${value.values.size} values")
            LinkedHashMap<Any?, Any?>(value.keys.size * 2).also { map ->
                for (i in value.keys.indices) map[decode(value.keys[i])] = decode(value.values[i])
            }
        }
        is WireValue.EnumOf -> {
            val type = context.loadValueType(value.type)
            val constant = type.enumConstants?.firstOrNull { (it as Enum<*>).name == value.name }
            constant ?: throw UnsupportedInteractionError(
                "enum ${value.type} has no constant ${value.name} on this side; the two sides load different versions of it",
            )
        }
        is WireValue.RecordOf -> {
            val type = context.loadValueType(value.type)
            if (!type.isRecord) throw UnsupportedInteractionError("${value.type} is not a record on this side; the two sides load different versions of it")
            val constructor = try {
                canonicalConstructors.get(type)
            } catch (e: LinkageError) {
                throw UnsupportedInteractionError("record ${value.type} cannot be built on this side: a type it uses does not load ($e); receive it as a handle (TransportPolicy.REFERENCE)")
            }
            if (constructor.parameterCount != value.components.size) {
                throw UnsupportedInteractionError(
                    "record ${value.type} has ${constructor.parameterCount} components here but ${value.components.size} were sent; the two sides load different versions of it",
                )
            }
            val components = value.components.map { decode(it) }.toTypedArray()
            try {
                constructor.newInstance(*components)
            } catch (e: InvocationTargetException) {
                throw UnsupportedInteractionError(
                    "record ${value.type}'s constructor on this side refused the components sent: ${e.targetException}; the two sides may load different versions of it, " +
                        "or receive it as a handle (TransportPolicy.REFERENCE)",
                )
            } catch (e: IllegalArgumentException) {
                throw UnsupportedInteractionError("record ${value.type} cannot take the components sent (${e.message}); the two sides load different versions of it")
            } catch (e: IllegalAccessException) {
                // A record of a module that does not open its package to this code (a JDK-internal one).
                throw UnsupportedInteractionError("record ${value.type}'s constructor cannot be called from here (${e.message}); receive it as a handle (TransportPolicy.REFERENCE)")
            }
        }
        is WireValue.SerializableOf -> {
            val type = context.loadValueType(value.type)
            // Looking up a serializer reads a class's static fields (its companion, an object's
            // INSTANCE), which runs its static initialiser: only a class the encoder would send so.
            if (valueKinds.get(type) != ValueKind.SERIALIZABLE) {
                throw UnsupportedInteractionError(
                    "${value.type} came as a @Serializable value, but it is not @Serializable on this side; the two sides load different " +
                        "versions of it, or receive it as a handle (TransportPolicy.REFERENCE)",
                )
            }
            val serializer = try {
                serializers.get(type)
            } catch (e: LinkageError) {
                throw UnsupportedInteractionError("${value.type} cannot be rebuilt on this side: a type it uses does not load ($e); receive it as a handle (TransportPolicy.REFERENCE)")
            } catch (e: IllegalArgumentException) {
                // SerializationException included: the type has no serializer here.
                throw UnsupportedInteractionError(
                    "${value.type} cannot be rebuilt on this side: it is not serializable here (${e.message?.lineSequence()?.first()}); " +
                        "the two sides load different versions of it, or receive it as a handle (TransportPolicy.REFERENCE)",
                )
            }
            try {
                EnvelopeCodec.json.decodeFromJsonElement(serializer, value.json)
            } catch (e: IllegalArgumentException) {
                // SerializationException included.
                throw UnsupportedInteractionError("${value.type} cannot be rebuilt on this side from what was sent (${e.message}); the two sides load different versions of it")
            }
        }
        is WireValue.Ref -> context.import(value)
        is WireValue.Named -> throw ExtraditeProtocolError("an argument named ${value.name} was nested inside another value")
    }

    /** A call's arguments; those sent by name become [NamedArgument]s. */
    public fun decodeAll(values: List<WireValue>): Array<Any?> = Array(values.size) { i ->
        when (val value = values[i]) {
            is WireValue.Named -> {
                if (value.name.length > MAX_NAME_LENGTH || !value.name.isJavaIdentifier()) {
                    throw ExtraditeProtocolError("an argument is named '${value.name.take(MAX_NAME_LENGTH)}', which is not a parameter name")
                }
                NamedArgument(value.name, decode(value.value))
            }
            else -> decode(value)
        }
    }

    private fun decodeArray(value: WireValue.PrimitiveArray): Any {
        val bytes = attachments.getOrNull(value.attachment)
            ?: throw ExtraditeProtocolError("value refers to attachment ${value.attachment} but the frame has ${attachments.size}")
        // Each attachment backs one value: a frame cannot make us copy one attachment many times.
        if (usedAttachments[value.attachment]) throw ExtraditeProtocolError("attachment ${value.attachment} is referred to twice")
        usedAttachments[value.attachment] = true
        return arrayOf(value.type, bytes)
    }

    /** The primitive array of [type] whose big-endian elements are [bytes]. */
    private fun arrayOf(type: PrimitiveType, bytes: ByteArray): Any {
        if (bytes.size % type.width != 0) {
            throw ExtraditeProtocolError("attachment of ${bytes.size} bytes is not a whole number of $type elements")
        }
        val n = bytes.size / type.width
        val buffer = ByteBuffer.wrap(bytes)
        return when (type) {
            PrimitiveType.BYTE -> bytes
            PrimitiveType.BOOLEAN -> BooleanArray(n) { bytes[it] != 0.toByte() }
            PrimitiveType.SHORT -> ShortArray(n).also { buffer.asShortBuffer().get(it) }
            PrimitiveType.CHAR -> CharArray(n).also { buffer.asCharBuffer().get(it) }
            PrimitiveType.INT -> IntArray(n).also { buffer.asIntBuffer().get(it) }
            PrimitiveType.LONG -> LongArray(n).also { buffer.asLongBuffer().get(it) }
            PrimitiveType.FLOAT -> FloatArray(n).also { buffer.asFloatBuffer().get(it) }
            PrimitiveType.DOUBLE -> DoubleArray(n).also { buffer.asDoubleBuffer().get(it) }
        }
    }
}
