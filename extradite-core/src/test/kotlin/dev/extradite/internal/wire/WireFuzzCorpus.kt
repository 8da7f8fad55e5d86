@file:OptIn(InternalExtraditeApi::class)

package dev.extradite.internal.wire

import dev.extradite.InternalExtraditeApi
import dev.extradite.TransportPolicy
import dev.extradite.UnsupportedInteractionError
import dev.extradite.internal.transport.SocketChannelTransport
import dev.extradite.internal.transport.connectedChannels
import java.nio.ByteBuffer
import java.util.Random

// WireFuzzSpec's corpus of valid frames, and how a receiver reads one.

/** One valid frame of the corpus, and its body as the receiver gets it; [shared] marks the attachments that travel in shared memory. */
internal class Sample(val name: String, val frame: Frame, val shared: BooleanArray? = null) {
    val body: ByteArray = bodyOf(frame, shared)
    val isJson: Boolean get() = frame.kind == Frame.FRAME_KIND_ENVELOPE

    /** The ring that hands out this frame's shared attachments, as the sender put them there. */
    fun ring(): Frame.SharedAttachments? = shared?.let { marks -> RingOf(frame.attachments.filterIndexed { i, _ -> marks[i] }) }

    /** Whether a mutation of this frame is read with shared memory: mostly when it uses it, else sometimes. */
    fun usesRing(random: Random): Boolean = random.nextInt(4) < if (shared != null) 3 else 1

    /**
     * The body with one of the frame's own fields (envelope length, attachment count, an
     * attachment's length) set to an extreme, to a shared-memory length, or off by a little;
     * returns which field and the body.
     */
    fun withExtremeField(random: Random): Pair<String, ByteArray> {
        val countAt = 5 + frame.envelope.size
        val fields = listOf("envelope length" to 1, "attachment count" to countAt) + frame.attachments.indices.map { "attachment $it's length" to countAt + 4 + 4 * it }
        val (field, at) = fields.pick(random)
        val bytes = body.copyOf()
        val buffer = ByteBuffer.wrap(bytes)
        val value = when (random.nextInt(4)) {
            0 -> Frame.SHARED_FLAG or EXTREMES[random.nextInt(EXTREMES.size)]
            1 -> EXTREMES[random.nextInt(EXTREMES.size)]
            2 -> buffer.getInt(at) xor Frame.SHARED_FLAG
            else -> buffer.getInt(at) + random.nextInt(9) - 4
        }
        buffer.putInt(at, value)
        return "$field ${"%08x".format(value)}" to bytes
    }

    /** The body of this frame with [envelope] in place of its own: the frame stays well formed. */
    fun withEnvelope(envelope: ByteArray): ByteArray = bodyOf(Frame(envelope, frame.attachments, frame.kind), shared)
}

/** The frame's body: what follows the length prefix on the socket. */
internal fun bodyOf(frame: Frame, shared: BooleanArray?): ByteArray {
    val whole = ByteBuffer.allocate(4 + frame.wireBodySize(shared).toInt()).also { frame.writeTo(it, shared) }.array()
    return whole.copyOfRange(4, whole.size)
}

/** The codec context of the fuzz: a handle stands for itself, and value types load by name, refused as the host refuses what it cannot load. */
internal object FuzzContext : CodecContext {
    private var exported = 0L

    override fun referenceOf(value: Any): WireValue.Ref? = null

    override fun export(value: Any): WireValue.Ref = WireValue.Ref(Side.CHILD, ++exported, value.javaClass.name)

    override fun import(ref: WireValue.Ref): Any = ref

    override fun loadValueType(name: String): Class<*> = try {
        Class.forName(name, false, FuzzContext::class.java.classLoader)
    } catch (_: ClassNotFoundException) {
        throw UnsupportedInteractionError("cannot load $name")
    } catch (e: LinkageError) {
        throw UnsupportedInteractionError("cannot load $name: $e")
    }
}

/** A value of every kind and tag the codec knows, encoded as a sender would; its arrays join [encoder]'s attachments. */
internal fun everyValue(encoder: ValueEncoder): List<WireValue> {
    val objects = listOf<Any?>(
        null, true, false, Byte.MIN_VALUE, Short.MAX_VALUE, 0, -1, Int.MIN_VALUE, Int.MAX_VALUE, Long.MIN_VALUE, 42L,
        Float.NaN, -0.0f, Double.POSITIVE_INFINITY, 0.1, 'x', '\uD800',
        "", "plain", "ünïcødé ✓", "pair \uD83D\uDE00", "lone \uD800 high", "\uDC00 lone low", "ends high \uD83D",
        byteArrayOf(1, 2, 3), ByteArray(0), booleanArrayOf(true, false), shortArrayOf(1, -1), charArrayOf('a', '\uD800'),
        intArrayOf(1, -2, 3), longArrayOf(Long.MAX_VALUE), floatArrayOf(1.5f), doubleArrayOf(-2.5),
        ByteBuffer.wrap(byteArrayOf(4, 5)), ByteBuffer.allocateDirect(3),
        (0 until 10).toList(), (0 until 9).map { it.toLong() }, (0 until 8).map { it / 4.0 },
        listOf(1, "a", null), setOf("x", 2L), mapOf("k" to 1, 2 to listOf(3)), arrayOf("s", null), arrayOf<Any?>(1, "two"),
        FuzzColor.GREEN, FuzzRange(1, 2), Any(),
    )
    return objects.map(encoder::encode) + listOf(
        WireValue.Ref(Side.HOST, 9, "com.acme.Callback", listOf("java.lang.Runnable"), "run"),
        WireValue.Ref(Side.CHILD, 1, "com.acme.Y"),
    )
}

/** [depth] lists, each holding the next. */
internal fun nested(depth: Int): WireValue = (1..depth).fold<Int, WireValue>(WireValue.I32(depth)) { inner, _ -> WireValue.ListOf(listOf(inner)) }

/** Every envelope kind, with every value tag, in the compact form where it applies and in JSON always; frames with attachments also with some of them shared. */
internal fun corpus(): List<Sample> {
    val samples = ArrayList<Sample>()
    fun add(name: String, build: (ValueEncoder) -> Envelope) {
        val encoder = ValueEncoder(FuzzContext)
        val message = Message(build(encoder), encoder.attachments)
        val frames = listOf(EnvelopeCodec.encode(message), EnvelopeCodec.encodeJson(message)).distinctBy { it.kind }
        for (frame in frames) {
            val form = if (frame.kind == Frame.FRAME_KIND_COMPACT) "compact" else "JSON"
            samples += Sample("$name ($form)", frame)
            if (frame.attachments.isNotEmpty()) samples += Sample("$name ($form, shared)", frame, BooleanArray(frame.attachments.size) { it % 2 == 0 })
        }
    }
    add("hello") { Envelope.Hello(PROTOCOL_VERSION, "a1b2c3", 4242) }
    add("welcome") { Envelope.Welcome(listOf("/a.jar", "/b dir/"), 1 shl 20, TransportPolicy.REFERENCE, mapOf("com.acme.Z" to TransportPolicy.VALUE), "/dev/shm/x", 65536) }
    add("bare welcome") { Envelope.Welcome(emptyList(), 1024) }
    add("refusal") { Envelope.Refused("wrong token") }
    add("load") { Envelope.Request(1, 2, Operation.LoadClass("com.acme.Z")) }
    add("new") { Envelope.Request(2, 2, Operation.New("com.acme.Z", everyValue(it))) }
    add("call") { Envelope.Request(3, 2, Operation.Invoke(Receiver.Static("com.acme.Z"), "go", everyValue(it), TransportPolicy.REFERENCE)) }
    add("call with a named argument") { Envelope.Request(4, 2, Operation.Invoke(Receiver.Handle(7), "greet", listOf(WireValue.Str("Ann"), WireValue.Named("times", WireValue.I32(2))))) }
    add("batch") { Envelope.Request(5, 3, Operation.Batch(Receiver.Handle(2), "inc", listOf(everyValue(it), emptyList(), listOf(WireValue.I32(1))), TransportPolicy.VALUE)) }
    add("stats") { Envelope.Request(6, 3, Operation.Stats) }
    add("get") { Envelope.Request(7, 3, Operation.Get(Receiver.Handle(3), "size")) }
    add("static get") { Envelope.Request(8, 3, Operation.Get(Receiver.Static("com.acme.Z"), "shared", TransportPolicy.REFERENCE)) }
    add("set") { Envelope.Request(9, 3, Operation.Set(Receiver.Static("com.acme.Z"), "level", it.encode(intArrayOf(1, 2)))) }
    add("response of every value") { Envelope.Response(10, WireValue.ListOf(everyValue(it))) }
    add("response of a map") { Envelope.Response(11, it.encode(mapOf("index" to 3, "scaled" to 0.3))) }
    add("response of a scalar") { Envelope.Response(12, WireValue.I32(7)) }
    add("response nested 64 deep") { Envelope.Response(13, nested(64)) }
    add("response nested as deep as values go") { Envelope.Response(14, nested(MAX_VALUE_DEPTH - 1)) }
    add("response of a serializable") { Envelope.Response(15, it.encode(FuzzPoint(1, 2))) }
    add("response of 6000 bytes") { Envelope.Response(16, it.encode(ByteArray(6000) { i -> i.toByte() })) }
    add("response of 70000 ints") { Envelope.Response(17, it.encode(IntArray(17_500) { i -> i })) }
    add("thrown") { Envelope.Failure(18, ErrorEnvelope.Thrown("java.lang.IllegalStateException", "bad \uD800 state", "trace\n\tat x", Side.HOST)) }
    add("thrown without detail") { Envelope.Failure(19, ErrorEnvelope.Thrown("java.lang.Error", null, "")) }
    add("protocol failure") { Envelope.Failure(20, ErrorEnvelope.Protocol("no")) }
    add("leak failure") { Envelope.Failure(21, ErrorEnvelope.ModuleLeak("com.acme leaked")) }
    add("unsupported failure") { Envelope.Failure(22, ErrorEnvelope.Unsupported("no such method")) }
    add("release") { Envelope.Release(listOf(3L, Long.MAX_VALUE), listOf(1, 2)) }
    add("empty release") { Envelope.Release(emptyList(), emptyList()) }
    add("cancel") { Envelope.Cancel(23) }
    return samples
}

// Receiving

internal const val SHARED_LIMIT = 1 shl 17

/** Shared memory that hands out [attachments] in order, as the sender's ring would. */
internal class RingOf(private val attachments: List<ByteArray>) : Frame.SharedAttachments {
    private var next = 0

    override fun limitFor(bodyLength: Int): Int = SHARED_LIMIT

    override fun take(count: Int): ByteArray = attachments[next++].also { check(it.size == count) { "took $count bytes for an attachment of ${it.size}" } }
}

/** Shared memory of zeros for mutated frames, which checks that a frame never takes more than its limit. */
internal class ZeroRing : Frame.SharedAttachments {
    private var taken = 0L

    override fun limitFor(bodyLength: Int): Int = SHARED_LIMIT

    override fun take(count: Int): ByteArray {
        taken += count
        if (count < 0 || taken > SHARED_LIMIT) throw AssertionError("the frame took $count bytes of shared memory ($taken in all), beyond its limit of $SHARED_LIMIT")
        return ByteArray(count)
    }
}

/** Every value of [message] decoded as a session decodes it: a call's arguments with their names, a response's value. */
internal fun decodeValues(message: Message) {
    val decoder = ValueDecoder(FuzzContext, message.attachments)
    when (val envelope = message.envelope) {
        is Envelope.Request -> when (val op = envelope.op) {
            is Operation.New -> decoder.decodeAll(op.args)
            is Operation.Invoke -> decoder.decodeAll(op.args)
            is Operation.Batch -> op.calls.forEach { decoder.decodeAll(it) }
            is Operation.Set -> decoder.decode(op.value)
            else -> Unit
        }
        is Envelope.Response -> decoder.decode(envelope.value)
        else -> Unit
    }
}

/** What a receiver does with a frame body: parse it, decode its envelope, then its values. */
internal fun receiveInMemory(case: Case) {
    val message = EnvelopeCodec.decode(Frame.parseBody(case.body, if (case.usesRing) ZeroRing() else null))
    try {
        decodeValues(message)
    } catch (_: UnsupportedInteractionError) {
        // Documented for a value of a type this side cannot rebuild (not loadable, another version).
    }
}

/** The body sent whole, with an honest length prefix, to a transport on a fresh connection, which must read that frame or refuse it. */
internal fun receiveBySocket(case: Case) {
    val (accepted, peer) = connectedChannels()
    val transport = SocketChannelTransport(accepted, 1 shl 20, 0)
    try {
        val bytes = ByteBuffer.allocate(4 + case.body.size).putInt(case.body.size).put(case.body).flip()
        while (bytes.hasRemaining()) peer.write(bytes)
        // Reading past the frame now ends the connection instead of waiting: a failure here.
        peer.shutdownOutput()
        transport.receiveBlocking()
    } finally {
        transport.close()
        peer.close()
    }
}
