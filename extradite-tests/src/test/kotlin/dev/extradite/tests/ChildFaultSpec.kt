package dev.extradite.tests

import dev.extradite.ChildOutputMode
import dev.extradite.ExtraditeChildExitedError
import dev.extradite.ExtraditeException
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.longs.shouldBeLessThan
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import java.util.concurrent.TimeUnit

/** A child that dies fails every pending and later call at once; a new extradite starts afresh. */
class ChildFaultSpec : FunSpec({
    test("System.exit in the target fails the call and every later one with the exit code and stderr tail") {
        Fixtures.open("com.acme.heavy.Probe").use { probe ->
            probe.call("warn", "last words before exit")
            val error = shouldThrow<ExtraditeChildExitedError> { probe.call("exit", 3) }
            error.exitCode shouldBe 3
            error.stderrTail shouldContain "last words before exit"
            shouldThrow<ExtraditeChildExitedError> { probe.call("echo", "after") }.exitCode shouldBe 3
        }
    }

    test("a crashing child (Runtime.halt) is reported the same way") {
        Fixtures.open("com.acme.heavy.Probe").use { probe ->
            shouldThrow<ExtraditeChildExitedError> { probe.call("halt", 134) }.exitCode shouldBe 134
        }
    }

    test("a target that exhausts the heap ends its child (exit code 3), instead of leaving it serving nothing, and the error says why") {
        for (output in listOf(ChildOutputMode.FORWARD, ChildOutputMode.DISCARD)) {
            Fixtures.open("com.acme.heavy.Probe") { jvmArgs("-Xmx64m"); childOutput(output) }.use { probe ->
                val error = shouldThrow<ExtraditeChildExitedError> { probe.call("exhaustHeap") }
                error.exitCode shouldBe 3
                error.message shouldContain "it ran out of memory (\"Terminating due to java.lang.OutOfMemoryError: Java heap space\")"
            }
        }
    }

    test("a target that exits with a shutdown hook that never returns fails the call, and its child still ends") {
        Fixtures.open("com.acme.heavy.Probe").use { probe ->
            val pid = probe.call("pid") as Long
            val child = ProcessHandle.of(pid).orElseThrow()
            shouldThrow<ExtraditeException> { probe.call("exitWithHangingHook", 7) }
            child.onExit().get(30, TimeUnit.SECONDS).isAlive shouldBe false
        }
    }

    test("killing the child fails its pending calls at once, 20 times over, and a new extradite works") {
        val noticed = mutableListOf<Long>()
        repeat(20) {
            Fixtures.open("com.acme.heavy.Sleeper").use { sleepers ->
                val sleeper = sleepers.newInstance()
                val pid = sleeper.call("pid") as Long
                coroutineScope {
                    val pending = async { runCatching { sleeper.call("nap", 120_000L) } }
                    sleeper.call("awaitStarted", 10_000L) shouldBe true
                    val killedAt = System.nanoTime()
                    ProcessHandle.of(pid).ifPresent { it.destroyForcibly() }
                    val failure = pending.await().exceptionOrNull()
                    noticed += (System.nanoTime() - killedAt) / 1_000_000
                    (failure is ExtraditeChildExitedError) shouldBe true
                    (failure as ExtraditeChildExitedError).exitCode shouldBe 137
                }
                shouldThrow<ExtraditeChildExitedError> { sleeper.call("echo", 1) }
            }
        }
        Fixtures.open("com.acme.heavy.Sleeper").use { it.newInstance().call("echo", 5) shouldBe 5 }
        noticed.sort()
        println("host noticed a killed child after (ms): median ${noticed[noticed.size / 2]}, max ${noticed.last()}")
        noticed.last() shouldBeLessThan 5_000L
    }
})
