package dev.extradite.tests

import io.kotest.assertions.nondeterministic.eventually
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.longs.shouldBeLessThan
import io.kotest.matchers.shouldBe
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.withTimeout
import java.util.concurrent.CompletableFuture
import kotlin.time.Duration.Companion.seconds

/** Cancelling a call cancels the remote work; the call ends at once and the session goes on. */
class CancellationSpec : FunSpec({
    val sleepers = Fixtures.open("com.acme.heavy.Sleeper")
    afterSpec { sleepers.close() }

    test("cancelling a suspend call cancels the remote coroutine of a suspend target") {
        val sleeper = sleepers.newInstance()
        coroutineScope {
            val call = async { sleeper.call("nap", 120_000L) }
            sleeper.call("awaitStarted", 10_000L) shouldBe true
            val start = System.nanoTime()
            call.cancel()
            shouldThrow<CancellationException> { call.await() }
            (System.nanoTime() - start) / 1_000_000 shouldBeLessThan 2_000L
        }
        eventually(10.seconds) { sleeper.get("outcome") shouldBe "cancelled" }
        sleeper.call("echo", 7) shouldBe 7
    }

    test("withTimeout around a blocking target interrupts its thread") {
        val sleeper = sleepers.newInstance()
        shouldThrow<TimeoutCancellationException> { withTimeout(300) { sleeper.call("block", 120_000L) } }
        eventually(10.seconds) { sleeper.get("outcome") shouldBe "interrupted" }
        sleeper.call("echo", 8) shouldBe 8
    }

    test("cancelling a callAsync future cancels the remote call") {
        val sleeper = sleepers.newInstance()
        val future: CompletableFuture<Any?> = sleeper.callAsync("block", 120_000L)
        sleeper.call("awaitStarted", 10_000L) shouldBe true
        future.cancel(true)
        eventually(10.seconds) { sleeper.get("outcome") shouldBe "interrupted" }
        sleeper.callBlocking("echo", 9) shouldBe 9
    }

    test("interrupting a thread blocked in callBlocking cancels the remote call") {
        val sleeper = sleepers.newInstance()
        val failure = CompletableFuture<Throwable?>()
        val caller = Thread {
            failure.complete(runCatching { sleeper.callBlocking("block", 120_000L) }.exceptionOrNull())
        }
        caller.start()
        sleeper.call("awaitStarted", 10_000L) shouldBe true
        caller.interrupt()
        (failure.get() is java.util.concurrent.CancellationException) shouldBe true
        eventually(10.seconds) { sleeper.get("outcome") shouldBe "interrupted" }
    }

    test("interrupting a thread that reads its own reply (nobody else reading) cancels the remote call") {
        val sleeper = sleepers.newInstance()
        val failure = CompletableFuture<Throwable?>()
        val firstCallDone = java.util.concurrent.CountDownLatch(1)
        val caller = Thread {
            // After a first call nothing is pending and nobody reads: the next call reads its own reply.
            sleeper.callBlocking("echo", 1)
            firstCallDone.countDown()
            failure.complete(runCatching { sleeper.callBlocking("block", 120_000L) }.exceptionOrNull())
        }
        caller.start()
        firstCallDone.await(30, java.util.concurrent.TimeUnit.SECONDS) shouldBe true
        // Orchestration only: let the caller send its call and start reading before this thread
        // calls too (the test passes either way; this makes it take the in-place path).
        Thread.sleep(100)
        sleeper.callBlocking("awaitStarted", 30_000L) shouldBe true
        caller.interrupt()
        (failure.get(30, java.util.concurrent.TimeUnit.SECONDS) is java.util.concurrent.CancellationException) shouldBe true
        eventually(10.seconds) { sleeper.get("outcome") shouldBe "interrupted" }
        sleeper.callBlocking("echo", 2) shouldBe 2
    }

    test("cancelling a call whose target waits on a host callback cancels both, and the session goes on") {
        Fixtures.open("com.acme.heavy.Callbacks").use { callbacksClass ->
            val callbacks = callbacksClass.newInstance()
            val started = java.util.concurrent.CountDownLatch(1)
            val hostOutcome = CompletableFuture<String>()
            val slow = Runnable {
                started.countDown()
                try {
                    Thread.sleep(120_000)
                    hostOutcome.complete("finished")
                } catch (e: InterruptedException) {
                    hostOutcome.complete("interrupted")
                }
            }
            // The child's target calls back and waits: its thread reads the connection meanwhile.
            val call = callbacks.callAsync("describeFailure", slow)
            started.await(30, java.util.concurrent.TimeUnit.SECONDS) shouldBe true
            call.cancel(true)
            // The child sees its call cancelled and cancels its own callback: the host's thread is interrupted.
            hostOutcome.get(30, java.util.concurrent.TimeUnit.SECONDS) shouldBe "interrupted"
            callbacks.callBlocking("echo", 5) shouldBe 5
        }
    }
})
