package dev.extradite.tests

import dev.extradite.RemoteClass
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import java.util.function.IntUnaryOperator

/** The Ktor raw-socket transport, still selectable with -Dextradite.transport=ktor, carries a whole session. */
class KtorTransportSpec : FunSpec({
    val callbacks: RemoteClass = Fixtures.withHostProperty("extradite.transport", "ktor") { Fixtures.open("com.acme.heavy.Callbacks") }
    afterSpec { callbacks.close() }

    test("calls, callbacks, bytes and nested calls work over Ktor sockets") {
        val target = callbacks.newInstance()
        target.call("applyTwice", IntUnaryOperator { it + 1 }, 1) shouldBe 3
        lateinit var callback: IntUnaryOperator
        callback = IntUnaryOperator { depth -> target.callBlocking("bounce", callback, depth) as Int }
        target.callBlocking("bounce", callback, 8) shouldBe 8
        val bytes = ByteArray(1 shl 20) { it.toByte() }
        (target.call("echo", bytes) as ByteArray).contentEquals(bytes) shouldBe true
    }
})
