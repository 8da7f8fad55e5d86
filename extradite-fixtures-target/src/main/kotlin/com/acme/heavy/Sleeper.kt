package com.acme.heavy

import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.delay
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit

/** Long calls, to cancel and to keep in flight. */
class Sleeper {
    @Volatile var outcome: String = "none"
    private val started = CountDownLatch(1)

    /** Suspends for [millis]; records whether it finished or was cancelled. */
    suspend fun nap(millis: Long): String {
        started.countDown()
        try {
            delay(millis)
            outcome = "finished"
            return "rested"
        } catch (e: CancellationException) {
            outcome = "cancelled"
            throw e
        }
    }

    /** Blocks the thread for [millis]; records whether it finished or was interrupted. */
    fun block(millis: Long): String {
        started.countDown()
        try {
            Thread.sleep(millis)
            outcome = "finished"
            return "rested"
        } catch (e: InterruptedException) {
            outcome = "interrupted"
            throw e
        }
    }

    /** True once a nap or block has begun (waits up to [millis]). */
    fun awaitStarted(millis: Long): Boolean = started.await(millis, TimeUnit.MILLISECONDS)

    fun echo(value: Int): Int = value

    fun pid(): Long = ProcessHandle.current().pid()

    suspend fun slowEcho(value: Int, millis: Long): Int {
        delay(millis)
        return value
    }
}
