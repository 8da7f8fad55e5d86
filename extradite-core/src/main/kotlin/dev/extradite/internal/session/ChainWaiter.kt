@file:OptIn(InternalExtraditeApi::class)

package dev.extradite.internal.session

import dev.extradite.InternalExtraditeApi
import java.util.concurrent.LinkedBlockingQueue

/**
 * A thread blocked waiting for a reply, ready to run the nested requests of its call chain.
 *
 * Why: a `synchronized` target method that calls back into the host, whose callback calls the
 * same object again, must not deadlock. The nested request belongs to the same call chain as the
 * blocked call, so it runs on the blocked thread itself, which already holds the monitor (or the
 * `ReentrantLock`), exactly as it would in one process.
 *
 * One waiter per thread, reused across nested waits; it is registered for a chain while its
 * thread waits in it.
 */
internal class ChainWaiter {
    private val tasks = LinkedBlockingQueue<Runnable>()
    private var isOpen = false

    /** Queues [task] to run on the waiting thread; false when the thread no longer waits. */
    @Synchronized
    fun offer(task: Runnable): Boolean {
        if (!isOpen) return false
        tasks.add(task)
        return true
    }

    @Synchronized
    fun open() {
        isOpen = true
    }

    /** Stops accepting tasks and returns those that arrived too late to run here. */
    @Synchronized
    fun close(): List<Runnable> {
        isOpen = false
        val leftovers = ArrayList<Runnable>()
        tasks.drainTo(leftovers)
        return leftovers.filter { it !== WAKE }
    }

    /** Runs the tasks queued so far on this thread, without waiting for more. */
    fun runQueued() {
        while (true) {
            val task = tasks.poll() ?: return
            if (task !== WAKE) task.run()
        }
    }

    fun wake() {
        tasks.add(WAKE)
    }

    /** Runs queued tasks until [isDone]; throws InterruptedException when the thread is interrupted. */
    fun serveUntil(isDone: () -> Boolean) {
        while (!isDone()) {
            val task = tasks.take()
            if (task !== WAKE) task.run()
        }
    }

    companion object {
        val WAKE = Runnable { }
    }
}
