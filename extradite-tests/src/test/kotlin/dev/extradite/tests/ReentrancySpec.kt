package dev.extradite.tests

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import kotlinx.coroutines.runBlocking
import java.util.concurrent.CompletableFuture
import java.util.concurrent.TimeUnit
import java.util.concurrent.TimeoutException
import java.util.concurrent.locks.ReentrantLock
import java.util.function.IntSupplier
import java.util.function.IntUnaryOperator
import kotlin.concurrent.withLock

/**
 * Runs [block] on its own daemon thread and fails, instead of hanging the build, when it does
 * not finish in time: what these tests guard against is a deadlock.
 */
private fun <T> completesWithin(seconds: Long, block: () -> T): T {
    val result = CompletableFuture<T>()
    Thread({
        try {
            result.complete(block())
        } catch (e: Throwable) {
            result.completeExceptionally(e)
        }
    }, "reentrancy-test").apply { isDaemon = true }.start()
    return try {
        result.get(seconds, TimeUnit.SECONDS)
    } catch (e: TimeoutException) {
        throw AssertionError("deadlock: the nested calls did not complete within $seconds s", e)
    } catch (e: java.util.concurrent.ExecutionException) {
        throw e.cause ?: e
    }
}

/** Nested calls between host and child, served on the threads of their call chain. */
class ReentrancySpec : FunSpec({
    val callbacks = Fixtures.open("com.acme.heavy.Callbacks")
    afterSpec { callbacks.close() }
    val target = callbacks.newInstance()

    test("a synchronized target method whose callback calls another synchronized method of the same object completes") {
        completesWithin(20) { target.callBlocking("syncOuter", IntSupplier { target.callBlocking("syncInner", 5) as Int }) } shouldBe 11
    }

    test("the same holds when the outer call suspends") {
        completesWithin(20) { runBlocking { target.call("syncOuter", IntSupplier { target.callBlocking("syncInner", 7) as Int }) } } shouldBe 15
    }

    test("a ReentrantLock held by the host around a call is taken again by its callback") {
        val lock = ReentrantLock()
        val result = completesWithin(20) {
            lock.withLock { target.callBlocking("applyTwice", IntUnaryOperator { x -> lock.withLock { x + 1 } }, 1) }
        }
        result shouldBe 3
    }

    test("host, child, host, ... to depth 32 with blocking calls") {
        lateinit var callback: IntUnaryOperator
        callback = IntUnaryOperator { depth -> target.callBlocking("bounce", callback, depth) as Int }
        completesWithin(60) { target.callBlocking("bounce", callback, 32) } shouldBe 32
    }

    test("host, child, host, ... to depth 32 with suspend calls") {
        lateinit var callback: IntUnaryOperator
        callback = IntUnaryOperator { depth -> runBlocking { target.call("bounce", callback, depth) as Int } }
        completesWithin(60) { runBlocking { target.call("bounce", callback, 32) } } shouldBe 32
    }

    test("many chains nest at once without crossing") {
        val results = (1..8).map { n ->
            Thread {
                lateinit var callback: IntUnaryOperator
                callback = IntUnaryOperator { depth -> target.callBlocking("bounce", callback, depth) as Int }
                check(target.callBlocking("bounce", callback, n * 2) == n * 2)
            }.also { it.start() }
        }
        results.forEach { it.join(60_000) }
        results.none { it.isAlive } shouldBe true
    }
})
