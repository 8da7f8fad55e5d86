package dev.extradite.tests

import dev.extradite.UnsupportedInteractionError
import dev.extradite.named
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.nulls.shouldNotBeNull
import io.kotest.matchers.string.shouldNotContain
import io.kotest.matchers.types.shouldBeInstanceOf

/** Overloads resolve on runtime argument types as javac would; exact JVM types survive the trip. */
class OverloadSpec : FunSpec({
    val overloads = Fixtures.open("com.acme.heavy.Overloads")
    afterSpec { overloads.close() }
    val target = overloads.newInstance()

    test("each scalar type selects the overload Java would select") {
        target.call("pick", 5) shouldBe "int"
        target.call("pick", 5L) shouldBe "long"
        target.call("pick", 5.0) shouldBe "double"
        target.call("pick", 5.0f) shouldBe "double"
        target.call("pick", 5.toShort()) shouldBe "int"
        target.call("pick", 'c') shouldBe "int"
        target.call("pick", "s") shouldBe "String"
        target.call("pick", listOf(1)) shouldBe "Object"
    }

    test("primitive widening wins over boxing, boxing applies when nothing else fits") {
        target.call("widen", 5) shouldBe "long:5"
        target.call("boxed", 5) shouldBe "Integer:5"
        target.call("number", 5) shouldBe "Number:Integer"
        target.call("number", 5L) shouldBe "Number:Long"
    }

    test("an ambiguous call names the candidates") {
        val error = shouldThrow<UnsupportedInteractionError> { target.call("ambiguous", null) }
        error.message shouldContain "ambiguous"
        error.message shouldContain "ambiguous(java.lang.String)"
        error.message shouldContain "ambiguous(java.lang.Integer)"
    }

    test("a call no overload accepts names the candidates") {
        val error = shouldThrow<UnsupportedInteractionError> { target.call("pick", 1, 2) }
        error.message shouldContain "pick(int)"
        error.message shouldContain "pick(java.lang.String)"
        val missing = shouldThrow<UnsupportedInteractionError> { target.call("noSuchMethod") }.message.shouldNotBeNull()
        missing shouldContain "no public method named 'noSuchMethod'"
        missing shouldContain "pick, rejectBytes"
        missing shouldNotContain "getClass"
        shouldThrow<UnsupportedInteractionError> { target.call("pik", 1) }.message shouldContain "no public method named 'pik'; did you mean 'pick'?"
    }

    test("variable-arity methods take their trailing arguments") {
        target.call("join", "-", "a", "b", "c") shouldBe "a-b-c"
        target.call("sum", 1, 2, 3) shouldBe 6
        target.call("sum") shouldBe 0
    }

    test("the exact JVM type of every scalar survives the round trip") {
        val samples = listOf<Any?>(
            5, 5L, 5.toShort(), 5.toByte(), 'c', 1.5f, 1.5, true, "text", null,
            Long.MAX_VALUE, Int.MIN_VALUE, Double.NaN, Double.NEGATIVE_INFINITY, -0.0, "ünïcødé \u0000 ✓",
        )
        for (sample in samples) {
            val echoed = target.call("echo", sample)
            // Boxed equality: NaN equals NaN and -0.0 differs from 0.0, as a faithful copy requires.
            (echoed == sample) shouldBe true
            echoed?.javaClass shouldBe sample?.javaClass
        }
    }

    test("strings with lone surrogates, which UTF-8 cannot carry, come back char for char, compact or JSON") {
        for (text in listOf("a\uD800b", "\uDC00", "x\uD83D", "pair \uD83D\uDE00 then lone \uDE00")) {
            (target.call("echo", text) == text) shouldBe true
            (target.call("echo", listOf(text)) == listOf(text)) shouldBe true
            // A named argument travels as JSON.
            (target.call("echo", named("x", text)) == text) shouldBe true
        }
    }

    test("lists, sets and maps of values keep their contents and kinds") {
        target.call("echo", listOf(1, "a", null, 2L)) shouldBe listOf(1, "a", null, 2L)
        target.call("echo", setOf(1, 2)).shouldBeInstanceOf<Set<*>>() shouldBe setOf(1, 2)
        target.call("echo", mapOf("a" to 1, "b" to listOf(2))) shouldBe mapOf("a" to 1, "b" to listOf(2))
        target.call("sizeOf", listOf(1, 2, 3)) shouldBe 3
        target.call("lookup", mapOf("k" to 7L), "k") shouldBe 7L
    }

    test("primitive and object arrays round-trip with their element types") {
        (target.call("echo", intArrayOf(1, 2, 3)) as IntArray).toList() shouldBe listOf(1, 2, 3)
        (target.call("echo", longArrayOf(Long.MIN_VALUE)) as LongArray).toList() shouldBe listOf(Long.MIN_VALUE)
        ((target.call("echo", doubleArrayOf(0.5, Double.NaN)) as DoubleArray).toList() == listOf(0.5, Double.NaN)) shouldBe true
        (target.call("echo", floatArrayOf(0.25f)) as FloatArray).toList() shouldBe listOf(0.25f)
        (target.call("echo", shortArrayOf(7)) as ShortArray).toList() shouldBe listOf<Short>(7)
        (target.call("echo", charArrayOf('x', 'y')) as CharArray).toList() shouldBe listOf('x', 'y')
        (target.call("echo", booleanArrayOf(true, false)) as BooleanArray).toList() shouldBe listOf(true, false)
        (target.call("squares", 4) as IntArray).toList() shouldBe listOf(0, 1, 4, 9)
        val words = target.call("words")
        words.shouldBeInstanceOf<Array<String>>()
        words.toList() shouldBe listOf("a", "b")
    }

    test("a 4 MiB ByteArray makes the round trip intact") {
        val bytes = ByteArray(4 * 1024 * 1024).also { java.util.Random(42).nextBytes(it) }
        val echoed = target.call("echoBytes", bytes) as ByteArray
        echoed.contentEquals(bytes) shouldBe true
        val expected = bytes.fold(0L) { s, b -> s * 31 + b }
        target.call("checksum", bytes) shouldBe expected
    }

    test("static fields, properties and methods of a Java class") {
        overloads.get("VERSION") shouldBe "1.0"
        overloads.set("counter", 5)
        overloads.get("counter") shouldBe 5
        overloads.call("twice", 21) shouldBe 42
        overloads.callBlocking("staticEcho", 3L) shouldBe 3L
    }

    test("public instance fields read and write") {
        val other = overloads.newInstance()
        other.get("name") shouldBe "overloads"
        other.set("name", "renamed")
        other.get("name") shouldBe "renamed"
    }
})
