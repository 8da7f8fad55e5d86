@file:OptIn(InternalExtraditeApi::class)

package dev.extradite.internal.session

import dev.extradite.ExtraditeProtocolError
import dev.extradite.ExtraditeRemoteError
import dev.extradite.InternalExtraditeApi
import dev.extradite.internal.wire.ErrorEnvelope
import dev.extradite.internal.wire.Side
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.ints.shouldBeLessThan
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldEndWith
import io.kotest.matchers.types.shouldBeInstanceOf

/** Failure envelopes become the caller's exceptions with their texts bounded, whatever the peer sent. */
class ErrorEnvelopeSpec : FunSpec({
    test("a peer's megabytes of traceback and message are cut, saying so, and the rest is kept") {
        val huge = "x".repeat(4 shl 20)
        val error = ErrorEnvelope.Thrown("com.example.Boom", huge, "at com.example.Boom\n$huge", Side.CHILD).toException(Side.CHILD)
        error.shouldBeInstanceOf<ExtraditeRemoteError>()
        error.remoteTraceback.length shouldBeLessThan 300 * 1024
        error.remoteTraceback shouldEndWith "characters)"
        error.remoteTraceback.startsWith("at com.example.Boom\nxxx") shouldBe true
        error.remoteMessage!!.length shouldBeLessThan 300 * 1024
        error.remoteTypeName shouldBe "com.example.Boom"

        val protocol = ErrorEnvelope.Protocol(huge).toException(Side.CHILD)
        protocol.shouldBeInstanceOf<ExtraditeProtocolError>()
        protocol.message!!.length shouldBeLessThan 300 * 1024
    }

    test("an error that passes back through this side is sent with a bounded traceback however often it crossed") {
        val limit = 256 * 1024
        var error = ExtraditeRemoteError("com.example.Boom", "m", "y".repeat(limit - 100))
        repeat(5) {
            val sent = errorEnvelopeOf(error, Side.HOST) as ErrorEnvelope.Thrown
            // The sender's bound, on its own: at most the limit and the note that it was cut.
            sent.traceback.length shouldBeLessThan limit + 64
            error = sent.toException(Side.CHILD) as ExtraditeRemoteError
        }
        error.remoteTraceback shouldEndWith "characters)"
    }
})
