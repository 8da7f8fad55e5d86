package dev.extradite.internal.host

import org.slf4j.Logger
import java.io.InputStream
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit

/**
 * Drains one output stream of the child line by line: each line goes to the session's SLF4J
 * logger, and the last lines are kept for error messages (a child that fails to start or dies
 * is reported with the tail of its stderr).
 */
internal class ChildOutput(stream: InputStream, private val log: (String) -> Unit, threadName: String) {
    private val tail = ArrayDeque<String>()
    private val drained = CountDownLatch(1)

    init {
        Thread({
            try {
                stream.bufferedReader().useLines { lines ->
                    for (line in lines) {
                        synchronized(tail) {
                            tail.addLast(line)
                            if (tail.size > TAIL_LINES) tail.removeFirst()
                        }
                        log(line)
                    }
                }
            } catch (_: java.io.IOException) {
                // The stream closed under us when the process was destroyed: nothing more to read.
            } finally {
                drained.countDown()
            }
        }, threadName).apply { isDaemon = true }.start()
    }

    /** The last lines read, waiting up to [waitMillis] for the stream to end first. */
    fun tail(waitMillis: Long = 0): String {
        if (waitMillis > 0) drained.await(waitMillis, TimeUnit.MILLISECONDS)
        return synchronized(tail) { tail.joinToString("\n") }
    }

    companion object {
        const val TAIL_LINES = 40

        fun forwardTo(logger: Logger, error: Boolean): (String) -> Unit =
            if (error) { line -> logger.warn("[stderr] {}", line) } else { line -> logger.info("[stdout] {}", line) }
    }
}
