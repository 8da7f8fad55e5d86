@file:OptIn(InternalExtraditeApi::class)

package dev.extradite.internal.wire

import dev.extradite.ExtraditeProtocolError
import dev.extradite.InternalExtraditeApi
import java.lang.management.ManagementFactory
import java.util.HexFormat
import java.util.Random
import java.util.concurrent.atomic.AtomicReference
import kotlin.time.Duration.Companion.seconds

// How WireFuzzSpec runs its cases, and what counts as a failure.

/** One input: what made it, its bytes, and whether it is read with shared memory. */
internal class Case(val what: String, val body: ByteArray, val usesRing: Boolean)

internal val threads = ManagementFactory.getThreadMXBean() as com.sun.management.ThreadMXBean

/** Past this a single decode counts as a hang; a decode here takes well under a millisecond. */
internal const val PER_CASE_NANOS = 5_000_000_000L

internal val TEST_TIMEOUT = 120.seconds

/** Far more than any decode needs, and far less than a length taken at its word would cost. */
internal fun allocationBudget(size: Int): Long = (8L shl 20) + 64L * size

/**
 * Runs [count] cases through [receive] on a thread of its own and fails listing what went wrong:
 * a case that threw anything but [ExtraditeProtocolError] (or, with [isRefusalRequired], did not
 * throw it), allocated more than its budget, or ran longer than [PER_CASE_NANOS]. Case k is made
 * by [make] from `Random(firstSeed + k)`, so the seed a failure names makes its input again.
 */
internal fun fuzz(
    firstSeed: Long,
    count: Int,
    isRefusalRequired: Boolean = false,
    receive: (Case) -> Unit = ::receiveInMemory,
    make: (k: Int, random: Random) -> Case,
) {
    val failures = java.util.Collections.synchronizedList(ArrayList<String>())
    // One report per kind of failure (exception type and where it was thrown), counting the rest.
    val kinds = java.util.concurrent.ConcurrentHashMap<String, Int>()
    val inHand = AtomicReference<Pair<String, Long>?>()
    var refused = 0
    var ran = 0
    // The harness's own failure (making a case, describing it) ends the worker: reported, not lost.
    val harnessFailure = AtomicReference<Throwable?>()
    val started = System.nanoTime()
    val worker = Thread {
        try {
            runCases(count, firstSeed, make, receive, isRefusalRequired, inHand, kinds, failures) { wasRefused -> ran++; if (wasRefused) refused++ }
        } catch (e: Throwable) {
            harnessFailure.set(e)
        }
        inHand.set(null)
    }
    worker.isDaemon = true
    worker.start()
    while (worker.isAlive) {
        worker.join(50)
        val (described, since) = inHand.get() ?: continue
        if (System.nanoTime() - since > PER_CASE_NANOS) {
            worker.interrupt()
            throw AssertionError("a decode ran for more than ${PER_CASE_NANOS / 1_000_000_000} s (a loop?): $described")
        }
    }
    harnessFailure.get()?.let { throw AssertionError("the fuzz harness failed after $ran of $count cases", it) }
    if (ran != count) throw AssertionError("only $ran of $count cases ran")
    println("WireFuzzSpec: $count cases from seed $firstSeed ($refused refused) in ${(System.nanoTime() - started) / 1_000_000} ms")
    if (failures.isNotEmpty()) {
        throw AssertionError("${kinds.values.sum()} of $count cases failed, in ${kinds.size} ways; the first of each:\n\n" + failures.joinToString("\n\n"))
    }
}

/** The cases of [fuzz], on its worker thread; [counted] hears of each case run, and whether it was refused. */
internal fun runCases(
    count: Int,
    firstSeed: Long,
    make: (k: Int, random: Random) -> Case,
    receive: (Case) -> Unit,
    isRefusalRequired: Boolean,
    inHand: AtomicReference<Pair<String, Long>?>,
    kinds: java.util.concurrent.ConcurrentHashMap<String, Int>,
    failures: MutableList<String>,
    counted: (refused: Boolean) -> Unit,
) {
    for (k in 0 until count) {
        val seed = firstSeed + k
        val case = make(k, Random(seed))
        val described = "seed $seed: ${case.what}; ${case.body.size} bytes: ${hex(case.body)}"
        inHand.set(described to System.nanoTime())
        var wasRefused = false
        val before = threads.currentThreadAllocatedBytes
        val thrown = try {
            receive(case)
            null
        } catch (_: ExtraditeProtocolError) {
            wasRefused = true
            null
        } catch (e: Throwable) {
            e
        }
        val allocated = threads.currentThreadAllocatedBytes - before
        counted(wasRefused)
        val problem = when {
            thrown != null -> "threw $thrown\n    at " + thrown.stackTrace.take(8).joinToString("\n    at ")
            isRefusalRequired && !wasRefused -> "was decoded, but must be refused"
            allocated > allocationBudget(case.body.size) -> "allocated $allocated bytes"
            else -> null
        }
        if (problem != null) {
            val kind = thrown?.let { "${it.javaClass.name} at ${it.stackTrace.firstOrNull()}" } ?: problem.substringBefore(' ')
            if (kinds.merge(kind, 1, Int::plus) == 1) failures += "$described\n  $problem"
        }
    }
}

internal fun hex(bytes: ByteArray): String =
    if (bytes.size <= 2048) HexFormat.of().formatHex(bytes) else HexFormat.of().formatHex(bytes, 0, 2048) + "... (the rest from the seed)"
