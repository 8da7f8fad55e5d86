package dev.extradite.tests

import io.kotest.assertions.nondeterministic.eventually
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import java.util.concurrent.ConcurrentLinkedQueue
import kotlin.time.Duration.Companion.seconds

/** Many callers on one proxy at once; results never cross. */
class ConcurrencySpec : FunSpec({
    val sleepers = Fixtures.open("com.acme.heavy.Sleeper")
    afterSpec { sleepers.close() }
    val sleeper = sleepers.newInstance()

    test("128 coroutines with slow calls in flight at once each get their own result") {
        val results = coroutineScope {
            (0 until 128).map { i -> async(Dispatchers.Default) { i to sleeper.call("slowEcho", i, 200L) } }.awaitAll()
        }
        results.forEach { (sent, received) -> received shouldBe sent }
    }

    test("64 threads calling at once each get their own results") {
        val wrong = ConcurrentLinkedQueue<String>()
        val threads = (0 until 64).map { t ->
            Thread {
                for (i in 0 until 200) {
                    val value = t * 1000 + i
                    val echoed = sleeper.callBlocking("echo", value)
                    if (echoed != value) wrong += "thread $t sent $value got $echoed"
                }
            }.also { it.start() }
        }
        threads.forEach { it.join() }
        wrong.toList() shouldBe emptyList()
    }

    test("a long blocking call does not hold up the calls behind it, and is still cancelled") {
        // The child's reader runs each request itself; one that runs long gets its reader replaced.
        val blocked = sleepers.newInstance()
        val long = blocked.callAsync("block", 60_000L)
        blocked.callBlocking("awaitStarted", 30_000L) shouldBe true
        repeat(20) { i -> sleeper.callBlocking("echo", i) shouldBe i }
        long.isDone shouldBe false
        long.cancel(true)
        eventually(30.seconds) { blocked.getBlocking("outcome") shouldBe "interrupted" }
    }

    test("cancelling the future of a typed proxy's method cancels the remote call too") {
        val blocked = sleepers.newInstance()
        val future = blocked.bind(SleeperView::class.java).block(60_000L)
        blocked.callBlocking("awaitStarted", 30_000L) shouldBe true
        future.cancel(true)
        eventually(30.seconds) { blocked.getBlocking("outcome") shouldBe "interrupted" }
    }
})

/** A typed view of `com.acme.heavy.Sleeper` whose blocking method is called asynchronously. */
interface SleeperView {
    fun block(millis: Long): java.util.concurrent.CompletableFuture<String>
}

/** Proxies that become garbage while a call is on its way are not released under it. */
class ReleaseRaceSpec : FunSpec({
    val counters = Fixtures.open("com.acme.heavy.Counter")
    afterSpec { counters.close() }

    test("a temporary RemoteObject used once is never released before its call completes") {
        repeat(3000) { i ->
            counters.newInstance(3).callBlocking("increment", 2) shouldBe 5
            if (i % 100 == 0) System.gc()
        }
    }

    test("a continuation of callAsync may make blocking calls: it does not run on the reader thread") {
        val counter = counters.newInstance(0)
        counter.callAsync("increment", 1).thenApply { counter.callBlocking("increment", 1) }.get() shouldBe 2
    }
})
