package dev.extradite.tests

import dev.extradite.ExtraditeRemoteError
import dev.extradite.RemoteObject
import io.kotest.assertions.nondeterministic.eventually
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.ints.shouldBeLessThan
import io.kotest.matchers.shouldBe
import kotlinx.coroutines.withTimeoutOrNull
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

    test("a handle in a reply whose caller gave up is released in the child all the same") {
        val before = callbacks.stats()
        // Each caller gives up after 50 ms; each reply comes 150 ms after its call, with a new handle.
        repeat(10) { withTimeoutOrNull(50) { target.call("slowHandle", 150L) } shouldBe null }
        eventually(10.seconds) {
            callbacks.stats().childExports shouldBe before.childExports
        }
        callbacks.stats().hostImports shouldBe before.hostImports
    }

    test("host objects in the calls of a batch after one that failed are released all the same") {
        val before = callbacks.stats()
        // Each batch's first call throws (a null operator), so the five calls after it never run.
        repeat(10) {
            shouldThrow<ExtraditeRemoteError> {
                target.batchBlocking("applyTwice", listOf(listOf(null, 1)) + List(5) { listOf(IntUnaryOperator { x -> x }, 1) })
            }
        }
        eventually(10.seconds) {
            callbacks.callBlocking("gc")
            callbacks.stats().hostExports shouldBe before.hostExports
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

    test("close() on an instance frees it in the child's table; close() on an unshared class stops the child") {
        Fixtures.open("com.acme.heavy.Sleeper").use { sleepers ->
            val baseline = sleepers.stats().childExports
            val sleeper = sleepers.newInstance()
            sleepers.stats().childExports shouldBe baseline + 1
            val pid = sleeper.call("pid") as Long
            sleeper.close()
            // Releases are gathered and sent on the session's own coroutine, right after.
            eventually(5.seconds) { sleepers.stats().childExports shouldBe baseline }
            sleepers.close()
            eventually(10.seconds) { Fixtures.isAlive(pid) shouldBe false }
        }
    }
})
