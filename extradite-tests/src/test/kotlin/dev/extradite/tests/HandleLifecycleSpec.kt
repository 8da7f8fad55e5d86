package dev.extradite.tests

import dev.extradite.RemoteObject
import io.kotest.assertions.nondeterministic.eventually
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.ints.shouldBeLessThan
import io.kotest.matchers.shouldBe
import java.util.function.IntUnaryOperator
import kotlin.time.Duration.Companion.seconds

/** Handles that are no longer used are released automatically, and the tables return to their baseline. */
class HandleLifecycleSpec : FunSpec({
    val callbacks = Fixtures.open("com.acme.heavy.Callbacks")
    afterSpec { callbacks.close() }
    val target = callbacks.newInstance()

    test("20,000 short-lived callbacks leave the export and import tables near their baseline") {
        val before = callbacks.stats()
        for (i in 0 until 20_000) {
            target.callBlocking("applyTwice", IntUnaryOperator { it + 1 }, i) shouldBe i + 2
        }
        eventually(30.seconds) {
            callbacks.callBlocking("gc")
            val after = callbacks.stats()
            after.hostExports shouldBeLessThan before.hostExports + 100
            after.childImports shouldBeLessThan before.childImports + 100
        }
    }

    test("RemoteObjects the host drops are released in the child") {
        val before = callbacks.stats()
        repeat(5_000) { (target.callBlocking("echo", callbacks.newInstance()) as RemoteObject).hashCode() }
        eventually(30.seconds) {
            System.gc()
            val after = callbacks.stats()
            after.childExports shouldBeLessThan before.childExports + 100
            after.hostImports shouldBeLessThan before.hostImports + 100
        }
    }

    test("close() releases at once, and the same object returned later gets a fresh proxy") {
        target.call("hold", callbacks.newInstance())
        val held = target.call("held") as RemoteObject
        held.close()
        held.isReleased shouldBe true
        val again = target.call("held") as RemoteObject
        again.isReleased shouldBe false
        target.call("isHeld", again) shouldBe true
    }
})
