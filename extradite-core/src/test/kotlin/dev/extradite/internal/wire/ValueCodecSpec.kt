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

/** Values encode and decode through an envelope and back with their exact JVM types. */
class ValueCodecSpec : FunSpec({
    class Opaque

    val exported = mutableListOf<Any>()
    val context = object : CodecContext {
        override fun referenceOf(value: Any): WireValue.Ref? = null
        override fun export(value: Any): WireValue.Ref {
            exported += value
            return WireValue.Ref(Side.CHILD, exported.size.toLong(), value.javaClass.name)
        }
        override fun import(ref: WireValue.Ref): Any? = exported[ref.id.toInt() - 1]
        override fun loadValueType(name: String): Class<*> = Class.forName(name)
    }

    fun roundTrip(value: Any?): Any? {
        val encoder = ValueEncoder(context)
        val wire = encoder.encode(value)
        val frame = EnvelopeCodec.encode(Message(Envelope.Response(1, wire), encoder.attachments))
        val decoded = EnvelopeCodec.decode(Frame.parseBody(frame.toBytes().copyOfRange(4, frame.toBytes().size)))
        return ValueDecoder(context, decoded.attachments).decode((decoded.envelope as Envelope.Response).value)
    }

    test("named arguments cross with their names as a call's own arguments, and nowhere else") {
        val encoder = ValueEncoder(context)
        val arguments = encoder.encodeAll(arrayOf("Ann", named("times", 2), named("tags", listOf("a"))))
        val frame = EnvelopeCodec.encode(Message(Envelope.Request(1, 0, Operation.Invoke(Receiver.Handle(1), "greet", arguments)), encoder.attachments))
        val request = EnvelopeCodec.decode(Frame.parseBody(frame.toBytes().copyOfRange(4, frame.toBytes().size))).envelope as Envelope.Request
        val decoded = ValueDecoder(context, emptyList()).decodeAll((request.op as Operation.Invoke).args)
        decoded[0] shouldBe "Ann"
        (decoded[1] as NamedArgument).let { it.name to it.value } shouldBe ("times" to 2)
        (decoded[2] as NamedArgument).let { it.name to it.value } shouldBe ("tags" to listOf("a"))
        // Nested in a value it is refused on either side: by the sender, and from a hostile peer.
        shouldThrow<UnsupportedInteractionError> { ValueEncoder(context).encode(listOf(named("x", 1))) }
        shouldThrow<ExtraditeProtocolError> {
            ValueDecoder(context, emptyList()).decode(WireValue.ListOf(listOf(WireValue.Named("x", WireValue.I32(1)))))
        }
        // A name that no parameter can have is refused on receipt too.
        for (name in listOf("", "not a name", "x".repeat(2000))) {
            shouldThrow<ExtraditeProtocolError> { ValueDecoder(context, emptyList()).decodeAll(listOf(WireValue.Named(name, WireValue.Null))) }
        }
    }

    test("scalars keep their exact types") {
        for (value in listOf<Any?>(1, 1L, 1.toShort(), 1.toByte(), 1f, 1.0, 'x', true, "s", null, Float.NaN)) {
            val back = roundTrip(value)
            // Boxed equality: NaN equals NaN, as it must for a faithful copy.
            (back == value) shouldBe true
            back?.javaClass shouldBe value?.javaClass
        }
    }

    test("long lists of one scalar type are packed and come back as the same list") {
        val ints = (0 until 8192).toList()
        val encoder = ValueEncoder(context)
        encoder.encode(ints) shouldBe WireValue.PackedList(PrimitiveType.INT, 0)
        roundTrip(ints) shouldBe ints
        roundTrip((0 until 20).map { it.toLong() }) shouldBe (0 until 20).map { it.toLong() }
        roundTrip((0 until 20).map { it / 3.0 }) shouldBe (0 until 20).map { it / 3.0 }
        val mixed = (0 until 20).map { if (it == 7) 7L else it }
        val back = roundTrip(mixed) as List<*>
        back shouldBe mixed
        back[7]!!.javaClass shouldBe java.lang.Long::class.java
    }

    test("a decoded packed list is an ordinary mutable, serializable list") {
        @Suppress("UNCHECKED_CAST")
        val back = roundTrip((0 until 100).toList()) as MutableList<Any?>
        back[42] shouldBe 42
        back.subList(10, 13) shouldBe listOf(10, 11, 12)
        back.add(1000)
        back[0] = "zero"
        back.removeAt(1)
        back.size shouldBe 100
        back.first() shouldBe "zero"
        back[1] shouldBe 2
        back.last() shouldBe 1000
        val copy = java.io.ByteArrayOutputStream().also { java.io.ObjectOutputStream(it).use { out -> out.writeObject(back) } }
        java.io.ObjectInputStream(copy.toByteArray().inputStream()).use { it.readObject() } shouldBe back
        back.subList(0, 50).clear()
        back.size shouldBe 50
        back.clear()
        back shouldBe emptyList<Any?>()
        val longs = roundTrip((0 until 20).map { it.toLong() }) as List<*>
        longs.iterator().asSequence().toList() shouldBe (0 until 20).map { it.toLong() }
        shouldThrow<IndexOutOfBoundsException> { longs[20] }
    }

    test("collections of values nest") {
        val value = mapOf("list" to listOf(1, setOf("a")), "n" to null)
        roundTrip(value) shouldBe value
    }

    test("an object that is not a value becomes a handle and resolves back to itself") {
        val opaque = Opaque()
        (roundTrip(listOf(opaque)) as List<*>).single() shouldBe opaque
    }

    test("a self-containing list is refused instead of overflowing the stack") {
        val list = ArrayList<Any?>()
        list.add(list)
        shouldThrow<UnsupportedInteractionError> { ValueEncoder(context).encode(list) }.message shouldContain "deeper"
    }

    test("an attachment referred to twice is refused, so one frame cannot multiply its copies") {
        val twice = WireValue.ListOf(listOf(WireValue.PrimitiveArray(PrimitiveType.INT, 0), WireValue.PrimitiveArray(PrimitiveType.INT, 0)))
        shouldThrow<ExtraditeProtocolError> { ValueDecoder(context, listOf(ByteArray(8))).decode(twice) }.message shouldContain "twice"
    }

    test("hostile nesting deeper than the encoder produces is refused") {
        var deep: WireValue = WireValue.Null
        repeat(1000) { deep = WireValue.ListOf(listOf(deep)) }
        shouldThrow<ExtraditeProtocolError> { ValueDecoder(context, emptyList()).decode(deep) }.message shouldContain "deeper"
    }

    test("a primitive array whose attachment is missing or ragged is a protocol error") {
        shouldThrow<ExtraditeProtocolError> { ValueDecoder(context, emptyList()).decode(WireValue.PrimitiveArray(PrimitiveType.INT, 0)) }
        shouldThrow<ExtraditeProtocolError> {
            ValueDecoder(context, listOf(ByteArray(3))).decode(WireValue.PrimitiveArray(PrimitiveType.INT, 0))
        }.message shouldContain "whole number"
    }

    test("a class that is not @Serializable here is refused as a @Serializable value, before its static initialiser runs") {
        val json = kotlinx.serialization.json.buildJsonObject { }
        // As the host loads a value type: without initialising it.
        val loadingOnly = object : CodecContext by context {
            override fun loadValueType(name: String): Class<*> = Class.forName(name, false, javaClass.classLoader)
        }
        val error = shouldThrow<UnsupportedInteractionError> {
            ValueDecoder(loadingOnly, emptyList()).decode(WireValue.SerializableOf(NotSerializableHere::class.java.name, json))
        }
        error.message shouldContain "not @Serializable on this side"
        StaticInitialisers.ran shouldBe emptyList()
    }
})

/** A class with a companion, as kotlinx.serialization's lookup finds one; its static initialiser records that it ran. */
private class NotSerializableHere {
    companion object {
        init {
            StaticInitialisers.ran += NotSerializableHere::class.java.name
        }
    }
}

/** The classes whose static initialisers ran, kept apart from them so that reading it runs none. */
private object StaticInitialisers {
    val ran = mutableListOf<String>()
}
