package dev.extradite.internal.session

import io.kotest.assertions.nondeterministic.eventually
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.ints.shouldBeGreaterThanOrEqual
import io.kotest.matchers.shouldBe
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration.Companion.seconds

/** The process's one reader watchdog outlives an error thrown in its thread. */
class ReaderWatchdogSpec : FunSpec({
    test("an OutOfMemoryError in a pass leaves the watchdog ticking") {
        val passes = AtomicInteger()
        ReaderWatchdog.beforePass = {
            if (passes.incrementAndGet() == 1) throw OutOfMemoryError("thrown by the test, as the target's allocations could")
        }
        try {
            // A frame being handled wakes a parked watchdog and keeps it ticking.
            ReaderWatchdog.handling()
            eventually(5.seconds) {
                ReaderWatchdog.handling()
                passes.get() shouldBeGreaterThanOrEqual 3
            }
            ReaderWatchdog.isAlive shouldBe true
        } finally {
            ReaderWatchdog.beforePass = null
        }
    }
})
