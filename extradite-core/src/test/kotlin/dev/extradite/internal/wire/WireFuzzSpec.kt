@file:OptIn(InternalExtraditeApi::class)

package dev.extradite.internal.wire

import dev.extradite.ExtraditeProtocolError
import dev.extradite.InternalExtraditeApi
import dev.extradite.NamedArgument
import dev.extradite.TransportPolicy
import dev.extradite.UnsupportedInteractionError
import dev.extradite.internal.transport.SocketChannelTransport
import dev.extradite.internal.transport.connectedChannels
import dev.extradite.named
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlinx.serialization.Serializable
import kotlinx.serialization.json.JsonObject
import java.lang.management.ManagementFactory
import java.nio.ByteBuffer
import java.util.HexFormat
import java.util.Random
import java.util.concurrent.atomic.AtomicReference
import kotlin.time.Duration.Companion.seconds

/** Value types the corpus sends, which the fuzz's codec context loads by name as the host would. */
internal enum class FuzzColor { RED, GREEN }

@JvmRecord
internal data class FuzzRange(val from: Int, val to: Int)

@Serializable
internal data class FuzzPoint(val x: Int, val y: Int)

/**
 * Hostile bytes from the socket, made by mutating valid frames of every envelope kind and value
 * tag: each is decoded as a receiver would (frame, envelope, then every value in it) or refused
 * with [ExtraditeProtocolError]; never another exception, a hang, or far more memory than the
 * frame's size. Every case comes from a `java.util.Random` with a fixed seed that a failure
 * reports, with the input's bytes.
 */
class WireFuzzSpec : FunSpec({
    val corpus = corpus()
    val small = corpus.filter { it.body.size <= 1024 }

    test("every corpus frame decodes, its values rebuild, and it encodes back to the same bytes") {
        for (sample in corpus) {
            val message = EnvelopeCodec.decode(Frame.parseBody(sample.body, sample.ring()))
            decodeValues(message)
            val again = if (sample.isJson) EnvelopeCodec.encodeJson(message) else EnvelopeCodec.encode(message)
            val bytes = bodyOf(again, sample.shared)
            if (again.kind != sample.frame.kind || !bytes.contentEquals(sample.body)) {
                throw AssertionError("${sample.name} encodes back to other bytes:\n  was ${hex(sample.body)}\n  now ${hex(bytes)}")
            }
        }
    }

    test("bit flips and overwritten bytes anywhere in a frame are decoded or refused").config(timeout = TEST_TIMEOUT) {
        fuzz(firstSeed = 1_000_000, count = 10_000) { _, random ->
            val sample = corpus.pick(random)
            val mutation = if (random.nextBoolean()) FLIP_BITS else OVERWRITE_BYTES
            Case("${sample.name}, ${mutation.name} of the body", mutation.apply(sample.body, random), sample.usesRing(random))
        }
    }

    test("four-byte fields set to extremes, in the frame's header and in the envelope, are decoded or refused").config(timeout = TEST_TIMEOUT) {
        fuzz(firstSeed = 2_000_000, count = 10_000) { _, random ->
            val sample = corpus.pick(random)
            when (random.nextInt(3)) {
                0 -> Case("${sample.name}, extreme int in the body", EXTREME_INT.apply(sample.body, random), sample.usesRing(random))
                1 -> {
                    val (field, body) = sample.withExtremeField(random)
                    Case("${sample.name}, extreme $field", body, sample.usesRing(random))
                }
                else -> Case("${sample.name}, extreme int in the envelope", sample.withEnvelope(EXTREME_INT.apply(sample.frame.envelope, random)), sample.usesRing(random))
            }
        }
    }

    test("truncated, shortened, lengthened and spliced frames are refused or decoded").config(timeout = TEST_TIMEOUT) {
        fuzz(firstSeed = 3_000_000, count = 10_000) { _, random ->
            val sample = corpus.pick(random)
            when (random.nextInt(3)) {
                0 -> {
                    val mutation = RESHAPES.pick(random)
                    Case("${sample.name}, ${mutation.name} of the body", mutation.apply(sample.body, random), sample.usesRing(random))
                }
                1 -> {
                    val mutation = RESHAPES.pick(random)
                    Case("${sample.name}, ${mutation.name} of the envelope", sample.withEnvelope(mutation.apply(sample.frame.envelope, random)), sample.usesRing(random))
                }
                else -> {
                    // The head of one frame and the tail of another of the same form.
                    val other = corpus.filter { it.isJson == sample.isJson }.pick(random)
                    val envelope = splice(sample.frame.envelope, other.frame.envelope, random)
                    Case("${sample.name} spliced with ${other.name}", sample.withEnvelope(envelope), sample.usesRing(random))
                }
            }
        }
    }

    test("every truncation of each small frame and of each small envelope is refused").config(timeout = TEST_TIMEOUT) {
        val cuts = small.flatMap { sample ->
            (0 until sample.body.size).map { cut -> Case("${sample.name}, body cut at $cut", sample.body.copyOf(cut), sample.shared != null) } +
                (0 until sample.frame.envelope.size).map { cut -> Case("${sample.name}, envelope cut at $cut", sample.withEnvelope(sample.frame.envelope.copyOf(cut)), sample.shared != null) }
        }
        fuzz(firstSeed = 0, count = cuts.size, isRefusalRequired = true) { k, _ -> cuts[k] }
    }

    test("stacked mutations of envelopes inside well-formed frames are decoded or refused").config(timeout = TEST_TIMEOUT) {
        fuzz(firstSeed = 4_000_000, count = 20_000) { _, random ->
            val sample = corpus.pick(random)
            var envelope = sample.frame.envelope
            val names = ArrayList<String>()
            repeat(1 + random.nextInt(3)) {
                val mutation = ALL_MUTATIONS.pick(random)
                names += mutation.name
                envelope = mutation.apply(envelope, random)
            }
            Case("${sample.name}, ${names.joinToString(" then ")} of the envelope", sample.withEnvelope(envelope), sample.usesRing(random))
        }
    }

    test("JSON envelopes with swapped tokens, type discriminators, class names and numbers are decoded or refused").config(timeout = TEST_TIMEOUT) {
        val json = corpus.filter { it.isJson }
        fuzz(firstSeed = 5_000_000, count = 10_000) { _, random ->
            val sample = json.pick(random)
            var text = sample.frame.envelope.decodeToString()
            val names = ArrayList<String>()
            repeat(1 + random.nextInt(2)) {
                val mutation = JSON_MUTATIONS.pick(random)
                names += mutation.first
                text = mutation.second(text, random)
            }
            Case("${sample.name}, ${names.joinToString(" then ")}", sample.withEnvelope(text.encodeToByteArray()), sample.usesRing(random))
        }
    }

    test("resized, missing, extra and shared attachments are decoded or refused").config(timeout = TEST_TIMEOUT) {
        val withAttachments = corpus.filter { it.frame.attachments.isNotEmpty() }
        fuzz(firstSeed = 6_000_000, count = 5000) { _, random ->
            val sample = withAttachments.pick(random)
            val attachments = sample.frame.attachments.toMutableList()
            val i = random.nextInt(attachments.size)
            val what = when (random.nextInt(5)) {
                0 -> "attachment $i resized".also { attachments[i] = attachments[i].copyOf(random.nextInt(attachments[i].size + 9)) }
                1 -> "attachment $i dropped".also { attachments.removeAt(i) }
                2 -> "an attachment added".also { attachments.add(ByteArray(random.nextInt(17))) }
                3 -> "attachments $i and last swapped".also { attachments[i] = attachments.last().also { attachments[attachments.size - 1] = attachments[i] } }
                else -> "attachment $i mutated".also { attachments[i] = ALL_MUTATIONS.pick(random).apply(attachments[i], random) }
            }
            val frame = Frame(sample.frame.envelope, attachments, sample.frame.kind)
            val shared = if (random.nextBoolean()) BooleanArray(attachments.size) { random.nextBoolean() } else null
            Case("${sample.name}, $what, shared: ${shared?.contentToString()}", bodyOf(frame, shared), shared != null || random.nextBoolean())
        }
    }

    test("random bytes, as a body and as an envelope after a valid frame header, are refused or decoded").config(timeout = TEST_TIMEOUT) {
        fuzz(firstSeed = 7_000_000, count = 10_000) { _, random ->
            when (random.nextInt(3)) {
                0 -> Case("random body", ByteArray(random.nextInt(300)).also(random::nextBytes), random.nextBoolean())
                1 -> {
                    // A known compact tag, then anything.
                    val envelope = ByteArray(1 + random.nextInt(200)).also(random::nextBytes).also { it[0] = COMPACT_TAGS[random.nextInt(COMPACT_TAGS.length)].code.toByte() }
                    Case("random compact envelope", bodyOf(Frame(envelope, emptyList(), Frame.FRAME_KIND_COMPACT), null), false)
                }
                else -> {
                    val text = buildString { repeat(1 + random.nextInt(40)) { append(JSON_TOKENS.pick(random)) } }
                    Case("random JSON tokens", bodyOf(Frame(text.encodeToByteArray()), null), false)
                }
            }
        }
    }

    test("hostile frames through a socket transport are read or refused, never read past their end").config(timeout = TEST_TIMEOUT) {
        // Bodies above 4 KiB take the transport's buffered path, above 64 KiB its streaming path.
        fuzz(firstSeed = 8_000_000, count = 300, receive = ::receiveBySocket) { _, random ->
            val sample = corpus.pick(random)
            val mutation = ALL_MUTATIONS.pick(random)
            if (random.nextBoolean()) {
                Case("${sample.name}, ${mutation.name} of the body", mutation.apply(sample.body, random), false)
            } else {
                Case("${sample.name}, ${mutation.name} of the envelope", sample.withEnvelope(mutation.apply(sample.frame.envelope, random)), false)
            }
        }
    }

    // Defects the fuzz found, each kept as the smallest input that showed it.

    test("an empty attachment flagged as shared is refused where the connection has no shared memory") {
        val body = bodyOf(Frame("{}".encodeToByteArray(), listOf(ByteArray(0))), booleanArrayOf(true))
        shouldThrow<ExtraditeProtocolError> { Frame.parseBody(body) }.message shouldContain "does not use"
    }

    test("a serializable value of a type that has no serializer on this side is refused as one this side cannot rebuild") {
        val value = WireValue.SerializableOf("java.lang.Thread", JsonObject(emptyMap()))
        shouldThrow<UnsupportedInteractionError> { ValueDecoder(FuzzContext, emptyList()).decode(value) }.message shouldContain "java.lang.Thread"
    }

    test("an object array whose component type cannot have arrays is refused") {
        val value = WireValue.ObjectArray("[".repeat(255) + "I", emptyList())
        shouldThrow<ExtraditeProtocolError> { ValueDecoder(FuzzContext, emptyList()).decode(value) }.message shouldContain "component type"
    }

    test("a record whose constructor this side may not call is refused as one this side cannot rebuild") {
        // A record of a package java.base does not open to this code, with as many components as it has.
        val type = JDK_INTERNAL_RECORDS.firstNotNullOfOrNull { name -> runCatching { Class.forName(name, false, null) }.getOrNull()?.takeIf { it.isRecord } }
            ?: throw AssertionError("none of $JDK_INTERNAL_RECORDS is a record on this JDK; name one that is")
        val value = WireValue.RecordOf(type.name, type.recordComponents.map { WireValue.Null })
        shouldThrow<UnsupportedInteractionError> { ValueDecoder(FuzzContext, emptyList()).decode(value) }.message shouldContain "cannot be called from here"
    }

    test("a value nested as deep as the encoder allows crosses in JSON, and one level deeper is refused before it is sent") {
        // MAX_VALUE_DEPTH lists, the innermost empty: in JSON, two levels each inside the five of a batch's named argument.
        val deepest = (1 until MAX_VALUE_DEPTH).fold<Int, List<Any?>>(emptyList()) { inner, _ -> listOf(inner) }
        val encoder = ValueEncoder(FuzzContext)
        val request = Envelope.Request(1, 1, Operation.Batch(Receiver.Handle(1), "m", listOf(encoder.encodeAll(arrayOf(named("x", deepest))))))
        val frame = EnvelopeCodec.encode(Message(request))
        frame.kind shouldBe Frame.FRAME_KIND_ENVELOPE
        val received = EnvelopeCodec.decode(Frame.parseBody(bodyOf(frame, null)))
        received.envelope shouldBe request
        val argument = ValueDecoder(FuzzContext, emptyList()).decodeAll(((received.envelope as Envelope.Request).op as Operation.Batch).calls.single()).single() as NamedArgument
        // Plain equality: Kotest's matchers stop at 64 levels.
        (argument.value == deepest) shouldBe true
        shouldThrow<UnsupportedInteractionError> { ValueEncoder(FuzzContext).encode(listOf(deepest)) }.message shouldContain "deeper"
    }
})

// The corpus

/** One valid frame of the corpus, and its body as the receiver gets it; [shared] marks the attachments that travel in shared memory. */
private class Sample(val name: String, val frame: Frame, val shared: BooleanArray? = null) {
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
private fun bodyOf(frame: Frame, shared: BooleanArray?): ByteArray {
    val whole = ByteBuffer.allocate(4 + frame.wireBodySize(shared).toInt()).also { frame.writeTo(it, shared) }.array()
    return whole.copyOfRange(4, whole.size)
}

/** The codec context of the fuzz: a handle stands for itself, and value types load by name, refused as the host refuses what it cannot load. */
private object FuzzContext : CodecContext {
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
private fun everyValue(encoder: ValueEncoder): List<WireValue> {
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
private fun nested(depth: Int): WireValue = (1..depth).fold<Int, WireValue>(WireValue.I32(depth)) { inner, _ -> WireValue.ListOf(listOf(inner)) }

/** Every envelope kind, with every value tag, in the compact form where it applies and in JSON always; frames with attachments also with some of them shared. */
private fun corpus(): List<Sample> {
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

private const val SHARED_LIMIT = 1 shl 17

/** Shared memory that hands out [attachments] in order, as the sender's ring would. */
private class RingOf(private val attachments: List<ByteArray>) : Frame.SharedAttachments {
    private var next = 0

    override fun limitFor(bodyLength: Int): Int = SHARED_LIMIT

    override fun take(count: Int): ByteArray = attachments[next++].also { check(it.size == count) { "took $count bytes for an attachment of ${it.size}" } }
}

/** Shared memory of zeros for mutated frames, which checks that a frame never takes more than its limit. */
private class ZeroRing : Frame.SharedAttachments {
    private var taken = 0L

    override fun limitFor(bodyLength: Int): Int = SHARED_LIMIT

    override fun take(count: Int): ByteArray {
        taken += count
        if (count < 0 || taken > SHARED_LIMIT) throw AssertionError("the frame took $count bytes of shared memory ($taken in all), beyond its limit of $SHARED_LIMIT")
        return ByteArray(count)
    }
}

/** Every value of [message] decoded as a session decodes it: a call's arguments with their names, a response's value. */
private fun decodeValues(message: Message) {
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
private fun receiveInMemory(case: Case) {
    val message = EnvelopeCodec.decode(Frame.parseBody(case.body, if (case.usesRing) ZeroRing() else null))
    try {
        decodeValues(message)
    } catch (_: UnsupportedInteractionError) {
        // Documented for a value of a type this side cannot rebuild (not loadable, another version).
    }
}

/** The body sent whole, with an honest length prefix, to a transport on a fresh connection, which must read that frame or refuse it. */
private fun receiveBySocket(case: Case) {
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

// Running

/** One input: what made it, its bytes, and whether it is read with shared memory. */
private class Case(val what: String, val body: ByteArray, val usesRing: Boolean)

private val threads = ManagementFactory.getThreadMXBean() as com.sun.management.ThreadMXBean

/** Past this a single decode counts as a hang; a decode here takes well under a millisecond. */
private const val PER_CASE_NANOS = 5_000_000_000L

private val TEST_TIMEOUT = 120.seconds

/** Far more than any decode needs, and far less than a length taken at its word would cost. */
private fun allocationBudget(size: Int): Long = (8L shl 20) + 64L * size

/**
 * Runs [count] cases through [receive] on a thread of its own and fails listing what went wrong:
 * a case that threw anything but [ExtraditeProtocolError] (or, with [isRefusalRequired], did not
 * throw it), allocated more than its budget, or ran longer than [PER_CASE_NANOS]. Case k is made
 * by [make] from `Random(firstSeed + k)`, so the seed a failure names makes its input again.
 */
private fun fuzz(
    firstSeed: Long,
    count: Int,
    isRefusalRequired: Boolean = false,
    receive: (Case) -> Unit = ::receiveInMemory,
    make: (k: Int, random: Random) -> Case,
) {
    val failures = java.util.Collections.synchronizedList(ArrayList<String>())
    // One report per kind of failure (exception type and where it was thrown), counting the rest.
    val kinds = java.util.concurrent.ConcurrentHashMap<String, Int>()
    val inHand = AtomicReference<Pair<String, Long>?>()
    var refused = 0
    var ran = 0
    // The harness's own failure (making a case, describing it) ends the worker: reported, not lost.
    val harnessFailure = AtomicReference<Throwable?>()
    val started = System.nanoTime()
    val worker = Thread {
        try {
            runCases(count, firstSeed, make, receive, isRefusalRequired, inHand, kinds, failures) { wasRefused -> ran++; if (wasRefused) refused++ }
        } catch (e: Throwable) {
            harnessFailure.set(e)
        }
        inHand.set(null)
    }
    worker.isDaemon = true
    worker.start()
    while (worker.isAlive) {
        worker.join(50)
        val (described, since) = inHand.get() ?: continue
        if (System.nanoTime() - since > PER_CASE_NANOS) {
            worker.interrupt()
            throw AssertionError("a decode ran for more than ${PER_CASE_NANOS / 1_000_000_000} s (a loop?): $described")
        }
    }
    harnessFailure.get()?.let { throw AssertionError("the fuzz harness failed after $ran of $count cases", it) }
    if (ran != count) throw AssertionError("only $ran of $count cases ran")
    println("WireFuzzSpec: $count cases from seed $firstSeed ($refused refused) in ${(System.nanoTime() - started) / 1_000_000} ms")
    if (failures.isNotEmpty()) {
        throw AssertionError("${kinds.values.sum()} of $count cases failed, in ${kinds.size} ways; the first of each:\n\n" + failures.joinToString("\n\n"))
    }
}

/** The cases of [fuzz], on its worker thread; [counted] hears of each case run, and whether it was refused. */
private fun runCases(
    count: Int,
    firstSeed: Long,
    make: (k: Int, random: Random) -> Case,
    receive: (Case) -> Unit,
    isRefusalRequired: Boolean,
    inHand: AtomicReference<Pair<String, Long>?>,
    kinds: java.util.concurrent.ConcurrentHashMap<String, Int>,
    failures: MutableList<String>,
    counted: (refused: Boolean) -> Unit,
) {
    for (k in 0 until count) {
        val seed = firstSeed + k
        val case = make(k, Random(seed))
        val described = "seed $seed: ${case.what}; ${case.body.size} bytes: ${hex(case.body)}"
        inHand.set(described to System.nanoTime())
        var wasRefused = false
        val before = threads.currentThreadAllocatedBytes
        val thrown = try {
            receive(case)
            null
        } catch (_: ExtraditeProtocolError) {
            wasRefused = true
            null
        } catch (e: Throwable) {
            e
        }
        val allocated = threads.currentThreadAllocatedBytes - before
        counted(wasRefused)
        val problem = when {
            thrown != null -> "threw $thrown\n    at " + thrown.stackTrace.take(8).joinToString("\n    at ")
            isRefusalRequired && !wasRefused -> "was decoded, but must be refused"
            allocated > allocationBudget(case.body.size) -> "allocated $allocated bytes"
            else -> null
        }
        if (problem != null) {
            val kind = thrown?.let { "${it.javaClass.name} at ${it.stackTrace.firstOrNull()}" } ?: problem.substringBefore(' ')
            if (kinds.merge(kind, 1, Int::plus) == 1) failures += "$described\n  $problem"
        }
    }
}

private fun hex(bytes: ByteArray): String =
    if (bytes.size <= 2048) HexFormat.of().formatHex(bytes) else HexFormat.of().formatHex(bytes, 0, 2048) + "... (the rest from the seed)"

// Mutations

/** A named change of some bytes, drawing what to change from a random source. */
private class Mutation(val name: String, val apply: (ByteArray, Random) -> ByteArray)

private fun <T> List<T>.pick(random: Random): T = this[random.nextInt(size)]

private val FLIP_BITS = Mutation("bit flips") { bytes, random ->
    bytes.copyOf().also { b ->
        if (b.isNotEmpty()) repeat(1 + random.nextInt(4)) {
            val i = random.nextInt(b.size)
            b[i] = (b[i].toInt() xor (1 shl random.nextInt(8))).toByte()
        }
    }
}

private val OVERWRITE_BYTES = Mutation("overwritten bytes") { bytes, random ->
    bytes.copyOf().also { b -> if (b.isNotEmpty()) repeat(1 + random.nextInt(4)) { b[random.nextInt(b.size)] = random.nextInt(256).toByte() } }
}

private val EXTREMES = intArrayOf(0, 1, -1, Int.MAX_VALUE, Int.MIN_VALUE, Int.MAX_VALUE - 1, 0x40000000, 0x10000, 0xFFFF, 255, 256, 12, 8, 4)

/** A four-byte big-endian field anywhere set to an extreme, to a length near the input's, or to a shared-memory length. */
private val EXTREME_INT = Mutation("extreme int") { bytes, random ->
    if (bytes.size < 4) bytes else bytes.copyOf().also { b ->
        val at = random.nextInt(b.size - 3)
        val value = when (random.nextInt(4)) {
            0 -> b.size - at - 4 + random.nextInt(3) - 1
            1 -> Frame.SHARED_FLAG or EXTREMES[random.nextInt(EXTREMES.size)]
            else -> EXTREMES[random.nextInt(EXTREMES.size)]
        }
        ByteBuffer.wrap(b).putInt(at, value)
    }
}

private val RESHAPES = listOf(
    Mutation("truncation") { bytes, random -> bytes.copyOf(if (bytes.isEmpty()) 0 else random.nextInt(bytes.size)) },
    Mutation("a deleted segment") { bytes, random ->
        if (bytes.isEmpty()) bytes else {
            val from = random.nextInt(bytes.size)
            val to = from + 1 + random.nextInt(minOf(16, bytes.size - from))
            bytes.copyOfRange(0, from) + bytes.copyOfRange(to, bytes.size)
        }
    },
    Mutation("a duplicated segment") { bytes, random ->
        if (bytes.isEmpty()) bytes else {
            val from = random.nextInt(bytes.size)
            val segment = bytes.copyOfRange(from, from + 1 + random.nextInt(minOf(32, bytes.size - from)))
            val at = random.nextInt(bytes.size + 1)
            bytes.copyOfRange(0, at) + segment + bytes.copyOfRange(at, bytes.size)
        }
    },
    Mutation("inserted random bytes") { bytes, random ->
        val at = random.nextInt(bytes.size + 1)
        bytes.copyOfRange(0, at) + ByteArray(1 + random.nextInt(16)).also(random::nextBytes) + bytes.copyOfRange(at, bytes.size)
    },
)

private val ALL_MUTATIONS = listOf(FLIP_BITS, OVERWRITE_BYTES, EXTREME_INT, EXTREME_INT) + RESHAPES

/** The head of [first] up to a random point and the tail of [second] from another. */
private fun splice(first: ByteArray, second: ByteArray, random: Random): ByteArray =
    first.copyOf(random.nextInt(first.size + 1)) + second.copyOfRange(random.nextInt(second.size + 1), second.size)

private const val COMPACT_TAGS = "QRBLNGSDCHWV"

private val JSON_TOKENS = listOf(
    "{", "}", "[", "]", "\"", ",", ":", "null", "true", "-", "0", "1e999", "NaN", "9223372036854775808", "3.5", "\"\"",
    "\"t\":\"list\"", "\\u", "\\uD800", "\\u0000", "\"items\":[", "\"v\":", "{\"t\":\"null\"}", "{\"t\":\"named\",\"name\":\"x\",\"value\":{\"t\":\"null\"}}",
)

/** Every frozen serial name of the wire, and two that are not. */
private val SERIAL_NAMES = listOf(
    "hello", "welcome", "refused", "req", "ok", "err", "release", "cancel", "load", "new", "call", "batch", "stats", "get", "set",
    "static", "handle", "remote", "protocol", "leak", "unsupported", "null", "z", "b", "s", "i", "j", "f", "d", "c", "str", "parr",
    "buf", "oarr", "list", "plist", "map", "enum", "rec", "ser", "named", "ref", "nope", "",
)

/** Records of JDK 17's java.base in packages it does not open, so that this code may not call their constructors. */
private val JDK_INTERNAL_RECORDS = listOf("sun.nio.ch.IOUtil\$LinkedRunnable", "sun.nio.ch.IOUtil\$Releaser", "jdk.internal.misc.ThreadTracker\$ThreadRef")

/** Class names a hostile peer might send: loadable or not, values or not, arrays of the most dimensions, primitives. */
private val TYPE_NAMES = listOf(
    "java.lang.String", "java.lang.Object", "java.lang.Thread", "java.lang.Integer", "java.lang.Enum", "java.lang.Record", "java.lang.Void",
    "java.util.List", "java.lang.Runnable", "[I", "[Ljava.lang.String;", "[".repeat(255) + "I", "[".repeat(255) + "Ljava.lang.Object;", "int", "void",
    "kotlin.Pair", "kotlin.Unit", "dev.extradite.internal.wire.Side", FuzzColor::class.java.name, FuzzRange::class.java.name, FuzzPoint::class.java.name,
    TransportPolicy::class.java.name, "",
) + JDK_INTERNAL_RECORDS


private val NUMBERS = listOf(
    "0", "-1", "2147483648", "-2147483649", "9223372036854775807", "9223372036854775808", "-9223372036854775809",
    "1e999", "-1e999", "1e-999", "1.5", "-0", "255", "256", "-129", "65536", "00", "NaN", "Infinity", "1e2",
)

/** Replaces a random match of [pattern] in [text] by [replacement] of the random source; [text] as it is when nothing matches. */
private fun replaceOne(text: String, pattern: Regex, random: Random, replacement: (MatchResult) -> String): String {
    val matches = pattern.findAll(text).toList()
    if (matches.isEmpty()) return text
    val match = matches.pick(random)
    return text.substring(0, match.range.first) + replacement(match) + text.substring(match.range.last + 1)
}

private val JSON_MUTATIONS: List<Pair<String, (String, Random) -> String>> = listOf(
    "a token replacing a few characters" to { text: String, random: Random ->
        val at = random.nextInt(text.length + 1)
        text.substring(0, at) + JSON_TOKENS.pick(random) + text.substring(minOf(text.length, at + random.nextInt(9)))
    },
    "a swapped discriminator" to { text: String, random: Random ->
        replaceOne(text, Regex("\"t\":\"[^\"]*\""), random) { "\"t\":\"${SERIAL_NAMES.pick(random)}\"" }
    },
    "a swapped class name" to { text: String, random: Random ->
        replaceOne(text, Regex("\"(type|componentType)\":\"[^\"]*\""), random) { "\"${it.groupValues[1]}\":\"${TYPE_NAMES.pick(random)}\"" }
    },
    "a swapped number" to { text: String, random: Random ->
        replaceOne(text, Regex("-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?"), random) { NUMBERS.pick(random) }
    },
    "a removed member" to { text: String, random: Random ->
        replaceOne(text, Regex(",?\"[a-zA-Z]+\":(\"[^\"]*\"|-?[0-9.]+|true|false|null)"), random) { "" }
    },
)
