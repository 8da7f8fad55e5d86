@file:OptIn(InternalExtraditeApi::class)

package dev.extradite.internal.wire

import dev.extradite.ExtraditeProtocolError
import dev.extradite.InternalExtraditeApi
import dev.extradite.TransportPolicy
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.nio.ByteBuffer

/** Frames round-trip, and hostile bytes are refused with ExtraditeProtocolError, never a crash. */
class FrameSpec : FunSpec({
    fun body(frame: Frame): ByteArray = frame.toBytes().copyOfRange(4, frame.toBytes().size)

    test("a frame with attachments round-trips byte for byte") {
        val frame = Frame("{\"t\":\"release\",\"ids\":[1]}".encodeToByteArray(), listOf(byteArrayOf(1, 2, 3), ByteArray(0), byteArrayOf(9)))
        val bytes = frame.toBytes()
        ByteBuffer.wrap(bytes).int.toLong() shouldBe frame.bodySize
        val parsed = Frame.parseBody(body(frame))
        parsed.envelope.decodeToString() shouldBe frame.envelope.decodeToString()
        parsed.attachments.map { it.toList() } shouldBe frame.attachments.map { it.toList() }
    }

    /** Attachments "in shared memory": handed out in order, and counted. */
    class Shared(private val queue: ArrayDeque<ByteArray>, private val limit: Int = 1 shl 20) : Frame.SharedAttachments {
        var taken = 0

        override fun limitFor(bodyLength: Int): Int = limit

        override fun take(count: Int): ByteArray = queue.removeFirst().also { taken++; it.size shouldBe count }
    }

    test("attachments marked as shared leave the frame but keep their place: they count for bodySize, not for the bytes sent") {
        val attachments = listOf(byteArrayOf(1, 2), ByteArray(300) { 7 }, byteArrayOf(3), ByteArray(500) { 8 })
        val frame = Frame("{}".encodeToByteArray(), attachments)
        val shared = booleanArrayOf(false, true, false, true)
        frame.wireBodySize(shared) shouldBe frame.bodySize - 800
        val head = ByteBuffer.allocate(4 + frame.wireBodySize(shared).toInt())
        frame.writeTo(head, shared)
        head.hasRemaining() shouldBe false
        val gathered = frame.toBuffers(shared)
        gathered.sumOf { it.remaining() } shouldBe head.capacity()
        val source = Shared(ArrayDeque(listOf(attachments[1], attachments[3])))
        val parsed = Frame.parseBody(head.array().copyOfRange(4, head.capacity()), source)
        parsed.attachments.map { it.toList() } shouldBe attachments.map { it.toList() }
        source.taken shouldBe 2
    }

    test("shared attachments are refused where the connection has none, and beyond its limit") {
        val frame = Frame("{}".encodeToByteArray(), listOf(ByteArray(300)))
        val bytes = ByteBuffer.allocate(4 + frame.wireBodySize(booleanArrayOf(true)).toInt()).also { frame.writeTo(it, booleanArrayOf(true)) }.array()
        val body = bytes.copyOfRange(4, bytes.size)
        shouldThrow<ExtraditeProtocolError> { Frame.parseBody(body) }.message shouldContain "does not use"
        val small = Shared(ArrayDeque(listOf(ByteArray(300))), limit = 299)
        shouldThrow<ExtraditeProtocolError> { Frame.parseBody(body, small) }.message shouldContain "the most is 299"
        small.taken shouldBe 0
    }

    test("an envelope length beyond the frame is refused") {
        val bytes = body(Frame(ByteArray(4)))
        ByteBuffer.wrap(bytes).putInt(1, 1000)
        shouldThrow<ExtraditeProtocolError> { Frame.parseBody(bytes) }.message shouldContain "envelope length"
    }

    test("attachment lengths that do not add up are refused") {
        val bytes = body(Frame(ByteArray(0), listOf(ByteArray(3))))
        ByteBuffer.wrap(bytes).putInt(9, 7)
        shouldThrow<ExtraditeProtocolError> { Frame.parseBody(bytes) }.message shouldContain "attachments declare"
    }

    test("an unknown frame kind is refused") {
        val bytes = body(Frame(ByteArray(0)))
        bytes[0] = 42
        shouldThrow<ExtraditeProtocolError> { Frame.parseBody(bytes) }.message shouldContain "unknown frame kind"
    }

    test("a malformed envelope is a protocol error") {
        shouldThrow<ExtraditeProtocolError> { EnvelopeCodec.decode(Frame("{\"t\":\"nope\"}".encodeToByteArray())) }
        shouldThrow<ExtraditeProtocolError> { EnvelopeCodec.decode(Frame("not json".encodeToByteArray())) }
        shouldThrow<ExtraditeProtocolError> { EnvelopeCodec.decode(Frame(byteArrayOf(0xC3.toByte(), 0x28))) }
    }

    test("plain calls and responses take the compact binary form and decode to the same envelopes") {
        val values = listOf(
            WireValue.Null, WireValue.Bool(true), WireValue.I8(-3), WireValue.I16(300), WireValue.I32(-7), WireValue.I64(Long.MIN_VALUE),
            WireValue.F32(Float.NaN), WireValue.F64(-0.0), WireValue.Chr('✓'), WireValue.Str("ünïcødé"), WireValue.Str("lone \uD800 and \uDC00, pair \uD83D\uDE00"),
            WireValue.PrimitiveArray(PrimitiveType.INT, 0), WireValue.PackedList(PrimitiveType.LONG, 1), WireValue.BufferOf(2, true), WireValue.BufferOf(3, false),
            WireValue.Ref(Side.HOST, 9, "com.acme.X", listOf("java.lang.Runnable"), "run"), WireValue.Ref(Side.CHILD, 1, "Y"),
            WireValue.EnumOf("com.acme.Color", "RED"), WireValue.ListOf(emptyList()),
            WireValue.MapOf(listOf(WireValue.Str("index"), WireValue.Str("scaled")), listOf(WireValue.I32(3), WireValue.F64(0.3))),
            WireValue.SetOf(listOf(WireValue.ListOf(listOf(WireValue.I64(1), WireValue.Null)))),
            WireValue.ObjectArray("java.lang.String", listOf(WireValue.Str("a"))), WireValue.RecordOf("com.acme.Range", listOf(WireValue.I32(1), WireValue.I32(2))),
        )
        val request = Envelope.Request(7, 3, Operation.Invoke(Receiver.Static("com.acme.Z"), "go", values, TransportPolicy.REFERENCE))
        val batch = Envelope.Request(9, 4, Operation.Batch(Receiver.Handle(2), "inc", listOf(listOf(WireValue.I32(1)), emptyList(), values)))
        val everyday = listOf(
            request, batch, Envelope.Response(8, WireValue.Str("done")),
            Envelope.Request(10, 5, Operation.LoadClass("com.acme.Z")),
            Envelope.Request(11, 5, Operation.New("com.acme.Z", values)),
            Envelope.Request(12, 6, Operation.Get(Receiver.Handle(3), "size")),
            Envelope.Request(12, 6, Operation.Get(Receiver.Static("com.acme.Z"), "shared", TransportPolicy.REFERENCE)),
            Envelope.Request(13, 6, Operation.Set(Receiver.Static("com.acme.Z"), "level", WireValue.I32(4))),
            Envelope.Release(listOf(3L, 4L), listOf(1, 2)), Envelope.Release(emptyList(), emptyList()),
            Envelope.Cancel(14),
            Envelope.Hello(PROTOCOL_VERSION, "a1b2", 4242),
            Envelope.Welcome(listOf("/a.jar", "/b dir/"), 1 shl 20, TransportPolicy.REFERENCE, mapOf("com.acme.Z" to TransportPolicy.VALUE), "/dev/shm/x", 65536),
            Envelope.Welcome(emptyList(), 1024),
            Envelope.Refused("wrong token"),
        )
        for (envelope in everyday) {
            val frame = EnvelopeCodec.encode(Message(envelope))
            frame.kind shouldBe Frame.FRAME_KIND_COMPACT
            EnvelopeCodec.decode(Frame.parseBody(body(frame))).envelope shouldBe envelope
        }
        // Anything else stays JSON: @Serializable values, and collections nested deeper than 64.
        val serializable = WireValue.SerializableOf("com.acme.Point", kotlinx.serialization.json.JsonPrimitive(1))
        EnvelopeCodec.encode(Message(Envelope.Response(1, WireValue.ListOf(listOf(serializable))))).kind shouldBe Frame.FRAME_KIND_ENVELOPE
        EnvelopeCodec.encode(Message(Envelope.Request(1, 1, Operation.Stats))).kind shouldBe Frame.FRAME_KIND_ENVELOPE
        EnvelopeCodec.encode(Message(Envelope.Failure(1, ErrorEnvelope.Protocol("no")))).kind shouldBe Frame.FRAME_KIND_ENVELOPE
        val deep = (1..70).fold<Int, WireValue>(WireValue.Null) { inner, _ -> WireValue.ListOf(listOf(inner)) }
        val deepFrame = EnvelopeCodec.encode(Message(Envelope.Response(1, deep)))
        deepFrame.kind shouldBe Frame.FRAME_KIND_ENVELOPE
        // JSON carries lone surrogates as escapes, and gives back the same chars.
        val lone = Envelope.Failure(2, ErrorEnvelope.Protocol("lone \uD800 and \uDC00, pair \uD83D\uDE00"))
        EnvelopeCodec.decode(Frame.parseBody(body(EnvelopeCodec.encode(Message(lone))))).envelope shouldBe lone
    }

    test("compact collections are validated: counts beyond the input, mismatched maps, nesting too deep") {
        val list = CompactCodec.encode(Envelope.Response(8, WireValue.ListOf(listOf(WireValue.I32(1)))))!!
        // 'R' id:i64 tag(13) count:i32 ...: claim a billion elements.
        val lying = list.copyOf().also { ByteBuffer.wrap(it).putInt(10, 1_000_000_000) }
        shouldThrow<ExtraditeProtocolError> { CompactCodec.decode(lying) }.message shouldContain "element count"
        for (cut in 1 until list.size) shouldThrow<ExtraditeProtocolError> { CompactCodec.decode(list.copyOf(cut)) }
        // A map whose key and value counts differ.
        val map = CompactCodec.encode(Envelope.Response(8, WireValue.MapOf(listOf(WireValue.I32(1)), listOf(WireValue.I32(2)))))!!
        val uneven = ByteBuffer.allocate(map.size + 1).put(map, 0, 10).putInt(1).put(map, 14, 5).putInt(0).array().copyOf(10 + 4 + 5 + 4)
        shouldThrow<ExtraditeProtocolError> { CompactCodec.decode(uneven) }.message shouldContain "map of"
        // Hostile nesting: 100 list headers in a row is refused, not a StackOverflowError.
        val nested = ByteBuffer.allocate(9 + 100 * 5 + 1).put('R'.code.toByte()).putLong(8)
        repeat(100) { nested.put(13).putInt(1) }
        nested.put(0)
        shouldThrow<ExtraditeProtocolError> { CompactCodec.decode(nested.array()) }.message shouldContain "nesting"
    }

    test("hostile element counts cost no more memory than the frame: lists grow as elements arrive") {
        // 'R' id, then 64 nested lists each claiming as many elements as there are bytes left, then
        // a bad tag and 4 MiB of padding: refused at the first element. Space set aside for each
        // claim up front would be 64 x 4 Mi list slots.
        val size = 9 + 64 * 5 + 1 + 4 * 1024 * 1024
        val hostile = ByteBuffer.allocate(size).put('R'.code.toByte()).putLong(8)
        repeat(64) { hostile.put(13).putInt(size - hostile.position() - 4) }
        hostile.put(99)
        val threads = java.lang.management.ManagementFactory.getThreadMXBean() as com.sun.management.ThreadMXBean
        val before = threads.getThreadAllocatedBytes(Thread.currentThread().id)
        shouldThrow<ExtraditeProtocolError> { CompactCodec.decode(hostile.array()) }
        val allocated = threads.getThreadAllocatedBytes(Thread.currentThread().id) - before
        if (allocated > 16L * 1024 * 1024) throw AssertionError("decoding allocated $allocated bytes")
    }

    test("compact releases and welcomes must hold as many entries as they claim") {
        val release = CompactCodec.encode(Envelope.Release(listOf(3L), listOf(1)))!!
        // 'D' count:i32 (id:i64 sends:i32)*: claim a million entries in 12 bytes.
        val lying = release.copyOf().also { ByteBuffer.wrap(it).putInt(1, 1_000_000) }
        shouldThrow<ExtraditeProtocolError> { CompactCodec.decode(lying) }.message shouldContain "release count"
        for (cut in 1 until release.size) shouldThrow<ExtraditeProtocolError> { CompactCodec.decode(release.copyOf(cut)) }
        val load = CompactCodec.encode(Envelope.Request(1, 1, Operation.LoadClass("com.acme.Z")))!!
        for (cut in 1 until load.size) shouldThrow<ExtraditeProtocolError> { CompactCodec.decode(load.copyOf(cut)) }
        val welcome = CompactCodec.encode(Envelope.Welcome(listOf("/a.jar"), 1024, typeRules = mapOf("T" to TransportPolicy.VALUE)))!!
        for (cut in 1 until welcome.size) shouldThrow<ExtraditeProtocolError> { CompactCodec.decode(welcome.copyOf(cut)) }
        // 'W' count:i32: claim a million classpath entries in a few bytes.
        val lyingWelcome = welcome.copyOf().also { ByteBuffer.wrap(it).putInt(1, 1_000_000) }
        shouldThrow<ExtraditeProtocolError> { CompactCodec.decode(lyingWelcome) }.message shouldContain "classpath entry count"
    }

    test("a truncated or corrupt compact envelope is a protocol error") {
        val bytes = CompactCodec.encode(Envelope.Response(8, WireValue.Str("done")))!!
        for (cut in 1 until bytes.size) shouldThrow<ExtraditeProtocolError> { CompactCodec.decode(bytes.copyOf(cut)) }
        shouldThrow<ExtraditeProtocolError> { CompactCodec.decode(byteArrayOf('X'.code.toByte())) }
        val hugeString = bytes.copyOf().also { ByteBuffer.wrap(it).putInt(10, Int.MAX_VALUE) }
        shouldThrow<ExtraditeProtocolError> { CompactCodec.decode(hugeString) }.message shouldContain "string length"
    }

    test("envelopes keep their frozen wire names") {
        val request = Envelope.Request(7, 0, Operation.Invoke(Receiver.Handle(3), "go", listOf(WireValue.I32(5), WireValue.Null)))
        val json = EnvelopeCodec.encodeJson(Message(request)).envelope.decodeToString()
        json shouldBe """{"t":"req","id":7,"chain":0,"op":{"t":"call","receiver":{"t":"handle","id":3},"method":"go","args":[{"t":"i","v":5},{"t":"null"}]}}"""
        EnvelopeCodec.decode(Frame(json.encodeToByteArray())).envelope shouldBe request
    }
})
