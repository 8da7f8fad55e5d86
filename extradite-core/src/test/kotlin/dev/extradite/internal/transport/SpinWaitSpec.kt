@file:OptIn(InternalExtraditeApi::class)

package dev.extradite.internal.transport

import dev.extradite.InternalExtraditeApi
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.ints.shouldBeInRange
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain

/** When a reader spins before it sleeps, and how the budget is read from the host's settings. */
class SpinWaitSpec : FunSpec({
    /** Which of the next [waits] waits would spin, each spin's outcome given by [wins]. */
    fun SpinWait.decisions(waits: Int, wins: Boolean): List<Boolean> = List(waits) {
        shouldSpin().also { spun -> if (spun) record(wins) }
    }

    test("a reader spins while its spins catch their data") {
        SpinWait(20_000).decisions(100, wins = true) shouldBe List(100) { true }
    }

    test("after spins that ran out a reader sleeps at once, spinning only every 16th wait to try again") {
        val spin = SpinWait(20_000)
        // From a full success rate, six losses in a row bring it below one half.
        spin.decisions(6, wins = false) shouldBe List(6) { true }
        val next = spin.decisions(48, wins = false)
        next.withIndex().filter { it.value }.map { it.index } shouldContainExactly listOf(15, 31, 47)
    }

    test("a probe that wins brings spinning back, however long spins had been losing") {
        val spin = SpinWait(20_000)
        spin.decisions(2_000, wins = false).count { it } shouldBe 6 + (2_000 - 6) / 16
        val decisions = spin.decisions(100, wins = true)
        // Asleep until the next probe (within 16 waits), which wins: from then on every wait spins.
        val probe = decisions.indexOf(true)
        probe shouldBeInRange 0..15
        decisions.drop(probe) shouldBe List(100 - probe) { true }
    }

    test("a JVM with one processor never spins; with more it spins as set") {
        SpinWait.budgetFor(20_000, 1) shouldBe 0L
        SpinWait.budgetFor(20_000, 2) shouldBe 20_000L
        SpinWait.budgetFor(0, 8) shouldBe 0L
    }

    test("a budget of 0 never spins") {
        SpinWait(0).decisions(40, wins = true) shouldBe List(40) { false }
    }

    test("the budget comes from extradite.spinMicros: 20 µs by default, 0 for none, anything else refused with what to do") {
        SpinWait.microsToNanos(null) shouldBe 20_000L
        SpinWait.microsToNanos(" ") shouldBe 20_000L
        SpinWait.microsToNanos("0") shouldBe 0L
        SpinWait.microsToNanos(" 75 ") shouldBe 75_000L
        for (bad in listOf("fast", "-1", "10001", "1.5")) {
            shouldThrow<IllegalArgumentException> { SpinWait.microsToNanos(bad) }.message shouldContain "extradite.spinMicros=$bad"
        }
        val previous = System.getProperty("extradite.spinMicros")
        try {
            System.setProperty("extradite.spinMicros", "5")
            SpinWait.nanosFromHostSettings() shouldBe 5_000L
        } finally {
            if (previous == null) System.clearProperty("extradite.spinMicros") else System.setProperty("extradite.spinMicros", previous)
        }
    }
})
