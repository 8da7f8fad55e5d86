@file:OptIn(InternalExtraditeApi::class)

package dev.extradite.internal.session

import dev.extradite.InternalExtraditeApi
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.TimeUnit
import java.util.concurrent.locks.LockSupport

/**
 * Keeps every session's reader moving. A session's reader handles each frame on its own thread:
 * it serves a request inline until the request first suspends, which saves a thread hop per
 * call. A request that runs long (a blocking target, a slow computation) would hold up the
 * frames behind it, cancels included; so once per tick the watchdog looks at each reader, and
 * one still handling the frame it handled at the previous tick (between one and two ticks) is
 * replaced by a fresh reader ([Session.promoteReader]).
 *
 * One daemon thread for the process. It ticks while frames are being handled, and parks for
 * good after [IDLE_TICKS] ticks without any, until the next frame.
 */
internal object ReaderWatchdog {
    private val TICK_NANOS = TimeUnit.MICROSECONDS.toNanos(1_000)
    private const val IDLE_TICKS = 200

    private val sessions = ConcurrentHashMap.newKeySet<Session>()

    @Volatile
    private var parked = false

    @Volatile
    private var handled = false

    private val thread = Thread(::run, "extradite-reader-watchdog").apply {
        isDaemon = true
        // Created by whichever session came first: keep none of its context alive.
        contextClassLoader = null
        start()
    }

    /** Runs at the start of every pass over the sessions; for tests, which throw from it. */
    @Volatile
    internal var beforePass: (() -> Unit)? = null

    /** Whether the watchdog's thread is alive. */
    internal val isAlive: Boolean get() = thread.isAlive

    fun watch(session: Session) {
        sessions += session
    }

    fun unwatch(session: Session) {
        sessions -= session
    }

    /** Called by a reader about to handle a frame; wakes the watchdog when it has parked. */
    fun handling() {
        handled = true
        if (parked) LockSupport.unpark(thread)
    }

    private fun run() {
        while (true) {
            try {
                watch()
            } catch (_: Throwable) {
                // An OutOfMemoryError, say, that the target's allocations caused in this thread:
                // the one watchdog of the process must outlive it, or long calls would hold up
                // every call behind them for the rest of the process's life.
                LockSupport.parkNanos(TICK_NANOS)
            }
        }
    }

    private fun watch() {
        var idleTicks = 0
        while (true) {
            beforePass?.invoke()
            var busy = false
            for (session in sessions) {
                val turn = session.currentReaderTurn()
                if (turn % 2 == 1L) {
                    busy = true
                    // promoteReader closes its session itself when it cannot start a reader.
                    if (turn == session.turnSeenByWatchdog) runCatching { session.promoteReader(turn) }
                }
                session.turnSeenByWatchdog = turn
            }
            if (handled || busy) {
                handled = false
                idleTicks = 0
            } else {
                idleTicks++
            }
            if (idleTicks < IDLE_TICKS) {
                LockSupport.parkNanos(TICK_NANOS)
                continue
            }
            // Park until a reader handles a frame. parked is set before handled is read again,
            // and a reader sets handled before it reads parked: one of the two always sees the other.
            parked = true
            if (!handled) LockSupport.park()
            parked = false
            idleTicks = 0
        }
    }
}
