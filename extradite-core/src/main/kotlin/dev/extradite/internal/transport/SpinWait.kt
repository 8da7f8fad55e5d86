@file:OptIn(InternalExtraditeApi::class)

package dev.extradite.internal.transport

import dev.extradite.InternalExtraditeApi

/**
 * When a reader about to sleep on an empty socket spins first, and for how long ([budgetNanos]).
 *
 * Why spin: a thread that sleeps in `epoll_wait` is woken by the kernel when the peer writes,
 * and on a virtual machine that wake-up (an interrupt sent to another virtual CPU) can be most
 * of a round trip. Measured on the project's 2-core VM, a 16-byte ping-pong between two JVMs:
 * 11-50 µs at the median when both sides sleep, 4-5 µs when the waiting side spins first.
 *
 * Why not always: a spin that runs out has burnt its budget for nothing, and while a young JVM
 * still compiles its code every cycle of a small machine is wanted elsewhere. Spinning on every
 * wait slowed the benchmark's short regimes by up to 40 %. So a reader spins while at least half
 * of its recent spins caught their data (a moving [successRate]); when they stop paying it sleeps
 * at once, and tries a spin only every [PROBE_INTERVAL]th wait: a probe that catches its data
 * brings spinning back at once.
 *
 * The system property `extradite.spinMicros` sets the budget on the host (default 20, 0 turns
 * spinning off); the host passes it to its children. A JVM with one processor never spins
 * ([budgetFor]). One per transport; only the thread holding the read turn uses it.
 */
@InternalExtraditeApi
public class SpinWait(public val budgetNanos: Long) {
    /** Of the recent spins, the share that caught their data, in 1/256ths (a moving average weighing each spin 1/8). */
    private var successRate = FULL

    private var waitsSinceSpin = 0

    /** Whether the wait about to begin should spin first. */
    public fun shouldSpin(): Boolean {
        if (budgetNanos <= 0) return false
        if (successRate >= FULL / 2 || ++waitsSinceSpin >= PROBE_INTERVAL) {
            waitsSinceSpin = 0
            return true
        }
        return false
    }

    /** Records whether a spin caught its data ([won]) or ran out. */
    public fun record(won: Boolean) {
        successRate += ((if (won) FULL else 0) - successRate) / 8
        // A win (a probe's, after a run of losses) means spinning pays again: go on spinning.
        if (won) successRate = maxOf(successRate, FULL / 2)
    }

    public companion object {
        private const val FULL = 256
        private const val PROBE_INTERVAL = 16
        private const val DEFAULT_MICROS = 20L
        private const val MAX_MICROS = 10_000L

        /**
         * The budget to use with [processors] available: none on one processor, where a spinning
         * reader only keeps its peer from running until the scheduler steps in; else [nanos].
         */
        public fun budgetFor(nanos: Long, processors: Int): Long = if (processors < 2) 0 else nanos

        /** The spin budget in nanoseconds from `-Dextradite.spinMicros`; a bad value is an error that says how to fix it. */
        public fun nanosFromHostSettings(): Long = microsToNanos(System.getProperty("extradite.spinMicros"))

        /** [micros] (as the property or the child's argument spells it; null: the default) in nanoseconds. */
        public fun microsToNanos(micros: String?): Long {
            if (micros.isNullOrBlank()) return DEFAULT_MICROS * 1_000
            val value = micros.trim().toLongOrNull()
            require(value != null && value in 0..MAX_MICROS) {
                "extradite.spinMicros=$micros is not a number of microseconds from 0 to $MAX_MICROS; 0 turns spinning off, the default is $DEFAULT_MICROS"
            }
            return value * 1_000
        }
    }
}
