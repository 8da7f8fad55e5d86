package dev.extradite.tests

import dev.extradite.ExtraditeProtocolError
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain

/** Frames above maxFrameSize are refused with ExtraditeProtocolError in both directions, and the session goes on. */
class FrameLimitSpec : FunSpec({
    val limit = 128 * 1024
    val overloads = Fixtures.open("com.acme.heavy.Overloads") { maxFrameSize(limit) }
    afterSpec { overloads.close() }
    val target = overloads.newInstance()

    test("an argument larger than maxFrameSize is refused before it is sent, and the session stays usable") {
        val error = shouldThrow<ExtraditeProtocolError> { target.call("checksum", ByteArray(limit + 1)) }
        error.message shouldContain "maxFrameSize"
        target.call("checksum", byteArrayOf(1)) shouldBe 1L
    }

    test("a result larger than maxFrameSize is refused by the child, and the session stays usable") {
        val error = shouldThrow<ExtraditeProtocolError> { target.call("bytesOf", limit * 2) }
        error.message shouldContain "maxFrameSize"
        (target.call("bytesOf", 16) as ByteArray).size shouldBe 16
    }

    test("strings as long as the default maxFrameSize allows go both ways, in ASCII and in three-byte UTF-8") {
        Fixtures.open("com.acme.heavy.Callbacks").use { callbacks ->
            val echo = callbacks.newInstance()
            for (text in listOf("y".repeat(17_000_000), "€".repeat(8_000_000))) {
                val back = echo.call("echo", text) as String
                back.length shouldBe text.length
                (back == text) shouldBe true
                (echo.call("echoList", listOf(text)) as List<*>).single() shouldBe text
            }
        }
    }
})
