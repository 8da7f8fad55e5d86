@file:OptIn(InternalExtraditeApi::class)

package dev.extradite.internal.wire

import dev.extradite.ExtraditeProtocolError
import dev.extradite.InternalExtraditeApi
import dev.extradite.TransportPolicy
import java.nio.BufferUnderflowException

/**
 * A binary form of the everyday envelopes: requests to load a class, construct, call, batch, get
 * and set ([Operation.LoadClass], [Operation.New], [Operation.Invoke], [Operation.Batch],
 * [Operation.Get], [Operation.Set]), their [Envelope.Response], and [Envelope.Release] and
 * [Envelope.Cancel], when every value in them is a scalar, a string, an array attachment, a
 * handle, an enum, or a list, set, map, array or record of those nested at most 64 deep.
 * The handshake ([Envelope.Hello], [Envelope.Welcome], [Envelope.Refused]) takes it too, so that a
 * child starts without initialising JSON at all. Everything else (`@Serializable` values,
 * failures, statistics) stays JSON.
 *
 * Why: JSON encoding and decoding was the largest CPU cost of a round trip (2.7 µs per envelope
 * in JMH, four per round trip), and far more while a JVM still interprets it, which is all of a
 * short session's life; this form costs a fraction of that. The envelopes themselves are
 * unchanged: it is another encoding of the same `@Serializable` classes, chosen per frame by the
 * frame kind. Every length and tag read is validated; malformed input is an
 * [ExtraditeProtocolError].
 *
 * Layout (big-endian): a request is `tag id:i64 chain:i64` and then, by tag:
 * `'Q'` (call) `receiver policy:i8 method:str args`; `'B'` (batch) `receiver policy:i8 method:str
 * count:i32 args*`; `'L'` (load) `type:str`; `'N'` (new) `type:str args`; `'G'` (get)
 * `receiver policy:i8 name:str`; `'S'` (set) `receiver name:str value`. A response is `'R' id:i64 value`;
 * a release `'D' count:i32 (id:i64 sends:i32)*`; a cancel `'C' id:i64`; a hello `'H' protocol:i32
 * token:str pid:i64`; a welcome `'W' count:i32 classpath:str* maxFrameSize:i32 policy:i8
 * count:i32 (type:str policy:i8)* bulk:(0 | 1 str) bulkThreshold:i32`; a refusal `'V' reason:str`. args is
 * `argc:i32 value*`; receiver is `0 id:i64` or `1 type:str`; str is `len:i32` and UTF-8.
 */
@InternalExtraditeApi
public object CompactCodec {
    private const val REQUEST: Byte = 'Q'.code.toByte()
    private const val RESPONSE: Byte = 'R'.code.toByte()
    private const val BATCH: Byte = 'B'.code.toByte()
    private const val LOAD: Byte = 'L'.code.toByte()
    private const val NEW: Byte = 'N'.code.toByte()
    private const val GET: Byte = 'G'.code.toByte()
    private const val SET: Byte = 'S'.code.toByte()
    private const val RELEASE: Byte = 'D'.code.toByte()
    private const val CANCEL: Byte = 'C'.code.toByte()
    private const val HELLO: Byte = 'H'.code.toByte()
    private const val WELCOME: Byte = 'W'.code.toByte()
    private const val REFUSED: Byte = 'V'.code.toByte()
    private const val MAX_DEPTH = 64

    /** The most list slots set aside before the elements are read (see [readList]). */
    private const val INITIAL_CAPACITY = 64

    /** The compact bytes of [envelope], or null when it has a shape this form does not cover. */
    public fun encode(envelope: Envelope): ByteArray? {
        val out = Output()
        when (envelope) {
            is Envelope.Request -> when (val op = envelope.op) {
                is Operation.Invoke -> {
                    if (!op.args.all(::isCompact)) return null
                    head(out, REQUEST, envelope)
                    call(out, op.receiver, op.policy, op.method)
                    arguments(out, op.args)
                }
                is Operation.Batch -> {
                    if (!op.calls.all { it.all(::isCompact) }) return null
                    head(out, BATCH, envelope)
                    call(out, op.receiver, op.policy, op.method)
                    out.int(op.calls.size)
                    for (call in op.calls) arguments(out, call)
                }
                is Operation.LoadClass -> {
                    head(out, LOAD, envelope)
                    out.string(op.type)
                }
                is Operation.New -> {
                    if (!op.args.all(::isCompact)) return null
                    head(out, NEW, envelope)
                    out.string(op.type)
                    arguments(out, op.args)
                }
                is Operation.Get -> {
                    head(out, GET, envelope)
                    call(out, op.receiver, op.policy, op.name)
                }
                is Operation.Set -> {
                    if (!isCompact(op.value)) return null
                    head(out, SET, envelope)
                    receiver(out, op.receiver)
                    out.string(op.name)
                    value(out, op.value)
                }
                Operation.Stats -> return null
            }
            is Envelope.Response -> {
                if (!isCompact(envelope.value)) return null
                out.byte(RESPONSE)
                out.long(envelope.id)
                value(out, envelope.value)
            }
            is Envelope.Release -> {
                if (envelope.ids.size != envelope.counts.size) return null
                out.byte(RELEASE)
                out.int(envelope.ids.size)
                for (i in envelope.ids.indices) {
                    out.long(envelope.ids[i])
                    out.int(envelope.counts[i])
                }
            }
            is Envelope.Cancel -> {
                out.byte(CANCEL)
                out.long(envelope.id)
            }
            is Envelope.Hello -> {
                out.byte(HELLO)
                out.int(envelope.protocol)
                out.string(envelope.token)
                out.long(envelope.pid)
            }
            is Envelope.Welcome -> {
                out.byte(WELCOME)
                out.int(envelope.classpath.size)
                for (entry in envelope.classpath) out.string(entry)
                out.int(envelope.maxFrameSize)
                out.byte(envelope.policy.ordinal.toByte())
                out.int(envelope.typeRules.size)
                for ((type, policy) in envelope.typeRules) {
                    out.string(type)
                    out.byte(policy.ordinal.toByte())
                }
                val bulk = envelope.bulkDirectory
                if (bulk == null) out.byte(0) else { out.byte(1); out.string(bulk) }
                out.int(envelope.bulkThreshold)
            }
            is Envelope.Refused -> {
                out.byte(REFUSED)
                out.string(envelope.reason)
            }
            else -> return null
        }
        return out.bytes()
    }

    private fun head(out: Output, tag: Byte, request: Envelope.Request) {
        out.byte(tag)
        out.long(request.id)
        out.long(request.chain)
    }

    private fun call(out: Output, receiver: Receiver, policy: TransportPolicy?, method: String) {
        receiver(out, receiver)
        out.byte(policy?.ordinal?.toByte() ?: -1)
        out.string(method)
    }

    private fun receiver(out: Output, receiver: Receiver) {
        when (receiver) {
            is Receiver.Handle -> { out.byte(0); out.long(receiver.id) }
            is Receiver.Static -> { out.byte(1); out.string(receiver.type) }
        }
    }

    private fun receiver(input: Input): Receiver = when (val kind = input.get()) {
        0.toByte() -> Receiver.Handle(input.long)
        1.toByte() -> Receiver.Static(string(input))
        else -> violation("receiver kind $kind")
    }

    private fun arguments(out: Output, args: List<WireValue>) {
        out.int(args.size)
        for (arg in args) value(out, arg)
    }

    private fun arguments(input: Input): List<WireValue> = readList(count(input, "argument count")) { value(input) }

    /** The envelope of compact [bytes]; anything malformed is an [ExtraditeProtocolError]. */
    public fun decode(bytes: ByteArray): Envelope {
        val input = Input(bytes)
        try {
            val envelope = when (val tag = input.get()) {
                REQUEST, BATCH, LOAD, NEW, GET, SET -> {
                    val id = input.long
                    val chain = input.long
                    Envelope.Request(id, chain, operation(tag, input))
                }
                RESPONSE -> Envelope.Response(input.long, value(input))
                RELEASE -> {
                    val count = input.int
                    // Each entry takes 12 bytes: a count beyond the bytes left is a lie.
                    if (count < 0 || count > input.remaining() / 12) violation("release count $count")
                    val ids = ArrayList<Long>(minOf(count, INITIAL_CAPACITY))
                    val sends = ArrayList<Int>(minOf(count, INITIAL_CAPACITY))
                    repeat(count) {
                        ids += input.long
                        sends += input.int
                    }
                    Envelope.Release(ids, sends)
                }
                CANCEL -> Envelope.Cancel(input.long)
                // The protocol version comes first, so that any later layout still reads it.
                HELLO -> Envelope.Hello(input.int, string(input), input.long)
                WELCOME -> {
                    val classpath = readList(count(input, "classpath entry count")) { string(input) }
                    val maxFrameSize = input.int
                    val policy = policy(input.get().toInt()) ?: violation("policy")
                    val rules = LinkedHashMap<String, TransportPolicy>()
                    repeat(count(input, "type rule count")) { rules[string(input)] = policy(input.get().toInt()) ?: violation("rule policy") }
                    val bulk = when (val flag = input.get().toInt()) {
                        0 -> null
                        1 -> string(input)
                        else -> violation("bulk directory flag $flag")
                    }
                    Envelope.Welcome(classpath, maxFrameSize, policy, rules, bulk, input.int)
                }
                REFUSED -> Envelope.Refused(string(input))
                else -> violation("envelope tag $tag")
            }
            if (input.hasRemaining()) violation("${input.remaining()} trailing bytes")
            return envelope
        } catch (e: BufferUnderflowException) {
            throw ExtraditeProtocolError("malformed compact envelope from the peer: it ends early", e)
        }
    }

    private fun operation(tag: Byte, input: Input): Operation = when (tag) {
        LOAD -> Operation.LoadClass(string(input))
        NEW -> Operation.New(string(input), arguments(input))
        SET -> Operation.Set(receiver(input), string(input), value(input))
        else -> {
            val receiver = receiver(input)
            val policy = when (val p = input.get().toInt()) {
                -1 -> null
                else -> policy(p) ?: violation("policy $p")
            }
            // A method's name, or a property's for a get.
            val name = string(input)
            when (tag) {
                GET -> Operation.Get(receiver, name, policy)
                REQUEST -> Operation.Invoke(receiver, name, arguments(input), policy)
                else -> {
                    val count = input.int
                    if (count < 0 || count > input.remaining() / 4) violation("call count $count")
                    Operation.Batch(receiver, name, readList(count) { arguments(input) }, policy)
                }
            }
        }
    }

    private fun isCompact(value: WireValue): Boolean = isCompact(value, 0)

    /** Collections nest at most [MAX_DEPTH] deep here (deeper ones go as JSON), so decoding never recurses further. */
    private fun isCompact(value: WireValue, depth: Int): Boolean = when (value) {
        WireValue.Null, is WireValue.Bool, is WireValue.I8, is WireValue.I16, is WireValue.I32, is WireValue.I64,
        is WireValue.F32, is WireValue.F64, is WireValue.Chr, is WireValue.Str, is WireValue.PrimitiveArray, is WireValue.BufferOf,
        is WireValue.PackedList, is WireValue.Ref, is WireValue.EnumOf,
        -> true
        is WireValue.ListOf -> depth < MAX_DEPTH && value.items.all { isCompact(it, depth + 1) }
        is WireValue.SetOf -> depth < MAX_DEPTH && value.items.all { isCompact(it, depth + 1) }
        is WireValue.ObjectArray -> depth < MAX_DEPTH && value.items.all { isCompact(it, depth + 1) }
        is WireValue.RecordOf -> depth < MAX_DEPTH && value.components.all { isCompact(it, depth + 1) }
        is WireValue.MapOf -> depth < MAX_DEPTH && value.keys.size == value.values.size &&
            value.keys.all { isCompact(it, depth + 1) } && value.values.all { isCompact(it, depth + 1) }
        else -> false
    }

    private fun values(out: Output, items: List<WireValue>) {
        out.int(items.size)
        for (item in items) value(out, item)
    }

    private fun values(input: Input, depth: Int): List<WireValue> = readList(count(input, "element count")) { value(input, depth) }

    private fun value(out: Output, value: WireValue) {
        when (value) {
            WireValue.Null -> out.byte(0)
            is WireValue.Bool -> { out.byte(1); out.byte(if (value.v) 1 else 0) }
            is WireValue.I8 -> { out.byte(2); out.byte(value.v) }
            is WireValue.I16 -> { out.byte(3); out.short(value.v) }
            is WireValue.I32 -> { out.byte(4); out.int(value.v) }
            is WireValue.I64 -> { out.byte(5); out.long(value.v) }
            is WireValue.F32 -> { out.byte(6); out.int(value.v.toRawBits()) }
            is WireValue.F64 -> { out.byte(7); out.long(value.v.toRawBits()) }
            is WireValue.Chr -> { out.byte(8); out.short(value.v.code.toShort()) }
            is WireValue.Str -> if (LoneSurrogates.isIn(value.v)) {
                // UTF-8 cannot carry it: its UTF-16 code units, as they are.
                out.byte(20)
                out.int(value.v.length)
                for (c in value.v) out.short(c.code.toShort())
            } else {
                out.byte(9)
                out.string(value.v)
            }
            is WireValue.PrimitiveArray -> { out.byte(10); out.byte(value.type.ordinal.toByte()); out.int(value.attachment) }
            is WireValue.PackedList -> { out.byte(11); out.byte(value.type.ordinal.toByte()); out.int(value.attachment) }
            is WireValue.Ref -> {
                out.byte(12)
                out.byte(value.owner.ordinal.toByte())
                out.long(value.id)
                out.string(value.type)
                out.int(value.interfaces.size)
                for (name in value.interfaces) out.string(name)
                if (value.sam == null) out.byte(0) else { out.byte(1); out.string(value.sam) }
            }
            is WireValue.ListOf -> { out.byte(13); values(out, value.items) }
            is WireValue.SetOf -> { out.byte(14); values(out, value.items) }
            is WireValue.MapOf -> { out.byte(15); values(out, value.keys); values(out, value.values) }
            is WireValue.EnumOf -> { out.byte(16); out.string(value.type); out.string(value.name) }
            is WireValue.ObjectArray -> { out.byte(17); out.string(value.componentType); values(out, value.items) }
            is WireValue.RecordOf -> { out.byte(18); out.string(value.type); values(out, value.components) }
            is WireValue.BufferOf -> { out.byte(19); out.byte(if (value.direct) 1 else 0); out.int(value.attachment) }
            else -> error("not compact: $value")
        }
    }

    private fun value(input: Input): WireValue = value(input, 0)

    private fun value(input: Input, depth: Int): WireValue = when (val tag = input.get().toInt()) {
        0 -> WireValue.Null
        1 -> WireValue.Bool(input.get() != 0.toByte())
        2 -> WireValue.I8(input.get())
        3 -> WireValue.I16(input.short)
        4 -> WireValue.I32(input.int)
        5 -> WireValue.I64(input.long)
        6 -> WireValue.F32(Float.fromBits(input.int))
        7 -> WireValue.F64(Double.fromBits(input.long))
        8 -> WireValue.Chr(input.short.toInt().toChar())
        9 -> WireValue.Str(string(input))
        10 -> WireValue.PrimitiveArray(primitiveType(input.get()), input.int)
        11 -> WireValue.PackedList(primitiveType(input.get()), input.int)
        12 -> {
            val owner = when (val o = input.get().toInt()) {
                in Side.entries.indices -> Side.entries[o]
                else -> violation("handle owner $o")
            }
            val id = input.long
            val type = string(input)
            val interfaces = readList(count(input, "interface count")) { string(input) }
            val sam = if (input.get() != 0.toByte()) string(input) else null
            WireValue.Ref(owner, id, type, interfaces, sam)
        }
        in 13..18 -> {
            if (depth >= MAX_DEPTH) violation("nesting deeper than $MAX_DEPTH")
            when (tag) {
                13 -> WireValue.ListOf(values(input, depth + 1))
                14 -> WireValue.SetOf(values(input, depth + 1))
                15 -> {
                    val keys = values(input, depth + 1)
                    val values = values(input, depth + 1)
                    if (keys.size != values.size) violation("map of ${keys.size} keys and ${values.size} values")
                    WireValue.MapOf(keys, values)
                }
                16 -> WireValue.EnumOf(string(input), string(input))
                17 -> WireValue.ObjectArray(string(input), values(input, depth + 1))
                else -> WireValue.RecordOf(string(input), values(input, depth + 1))
            }
        }
        19 -> {
            val direct = input.get() != 0.toByte()
            WireValue.BufferOf(input.int, direct)
        }
        20 -> {
            val length = input.int
            if (length < 0 || length > input.remaining() / 2) violation("string length $length")
            WireValue.Str(String(CharArray(length) { input.short.toInt().toChar() }))
        }
        else -> violation("value tag $tag")
    }

    private fun primitiveType(ordinal: Byte): PrimitiveType =
        PrimitiveType.entries.getOrNull(ordinal.toInt()) ?: violation("primitive type $ordinal")

    private fun string(input: Input): String {
        val length = input.int
        // The frame bounds it (maxFrameSize); a string of any length the frame holds is legitimate.
        if (length < 0 || length > input.remaining()) violation("string length $length")
        return input.string(length)
    }

    private fun policy(ordinal: Int): TransportPolicy? = TransportPolicy.entries.getOrNull(ordinal)

    /** A count of at least one byte per element: one beyond the bytes left is a lie. */
    private fun count(input: Input, what: String): Int {
        val count = input.int
        if (count < 0 || count > input.remaining()) violation("$what $count")
        return count
    }

    /**
     * [count] elements read by [element], in a list that grows as they arrive: a count is only
     * bounded by the bytes left, and space set aside for it up front at every nesting level
     * could add up to gigabytes for a hostile frame that then ends early.
     */
    private inline fun <T> readList(count: Int, element: () -> T): List<T> {
        val list = ArrayList<T>(minOf(count, INITIAL_CAPACITY))
        repeat(count) { list.add(element()) }
        return list
    }

    private fun violation(what: String): Nothing = throw ExtraditeProtocolError("malformed compact envelope from the peer: bad $what")

    /**
     * A growable big-endian output buffer over a plain array. Not a `ByteBuffer`: its puts go
     * through several layers of JDK calls, which a JVM still interpreting the codec (all of a
     * short session) pays for on every byte.
     */
    private class Output {
        private var bytes = ByteArray(128)
        private var size = 0

        private fun room(n: Int) {
            if (bytes.size - size < n) bytes = bytes.copyOf(maxOf(bytes.size * 2, size + n))
        }

        fun byte(v: Byte) {
            room(1)
            bytes[size++] = v
        }

        fun short(v: Short) {
            room(2)
            bytes[size] = (v.toInt() shr 8).toByte()
            bytes[size + 1] = v.toByte()
            size += 2
        }

        fun int(v: Int) {
            room(4)
            size = putIntBigEndian(bytes, size, v)
        }

        fun long(v: Long) {
            room(8)
            size = putLongBigEndian(bytes, size, v)
        }

        fun string(v: String) {
            val encoded = v.encodeToByteArray()
            int(encoded.size)
            room(encoded.size)
            System.arraycopy(encoded, 0, bytes, size, encoded.size)
            size += encoded.size
        }

        fun bytes(): ByteArray = bytes.copyOf(size)
    }

    /** Reads [bytes] big-endian, as [Output] writes them; reading past the end is a [BufferUnderflowException]. */
    private class Input(private val bytes: ByteArray) {
        private var position = 0

        private fun take(n: Int): Int {
            if (bytes.size - position < n) throw BufferUnderflowException()
            return position.also { position += n }
        }

        fun remaining(): Int = bytes.size - position

        fun hasRemaining(): Boolean = position < bytes.size

        fun get(): Byte = bytes[take(1)]

        val short: Short
            get() {
                val at = take(2)
                return ((bytes[at].toInt() shl 8) or (bytes[at + 1].toInt() and 0xFF)).toShort()
            }

        val int: Int
            get() = getIntBigEndian(bytes, take(4))

        val long: Long
            get() = (int.toLong() shl 32) or (int.toLong() and 0xFFFFFFFFL)

        /** The next [length] bytes as UTF-8; [length] is validated by the caller. */
        fun string(length: Int): String = String(bytes, take(length), length, Charsets.UTF_8)
    }
}
