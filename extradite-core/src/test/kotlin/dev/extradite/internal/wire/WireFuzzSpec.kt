@file:OptIn(InternalExtraditeApi::class)

package dev.extradite.internal.wire

import dev.extradite.ExtraditeProtocolError
import dev.extradite.InternalExtraditeApi
import dev.extradite.NamedArgument
import dev.extradite.UnsupportedInteractionError
import dev.extradite.named
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlinx.serialization.Serializable
import kotlinx.serialization.json.JsonObject

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
