package dev.extradite.internal.host

import org.slf4j.Logger
import java.io.InputStream
import java.io.Reader
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit

/**
 * Drains one output stream of the child line by line: each line goes to the session's SLF4J
 * logger, and the last lines are kept for error messages (a child that fails to start or dies
 * is reported with the tail of its stderr). A line longer than [MAX_LINE_CHARS] goes on in
 * pieces of that length, so a child that writes without newlines costs the host no more memory
 * than one piece (and the tail, [TAIL_LINES] of them).
 */
internal class ChildOutput(stream: InputStream, private val log: (String) -> Unit, threadName: String) {
    private val tail = ArrayDeque<String>()
    private val drained = CountDownLatch(1)

    init {
        Thread({
            try {
                stream.reader().use { reader ->
                    forEachLine(reader) { line ->
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

    /** The last lines read, at most [TAIL_CHARS] characters of them, waiting up to [waitMillis] for the stream to end first. */
    fun tail(waitMillis: Long = 0): String {
        if (waitMillis > 0) drained.await(waitMillis, TimeUnit.MILLISECONDS)
        return synchronized(tail) { tail.joinToString("\n") }.takeLast(TAIL_CHARS)
    }

    companion object {
        const val TAIL_LINES = 40

        /** The most characters of a tail, which error messages quote. */
        const val TAIL_CHARS = 16_384

        /** The longest line passed on whole; longer ones are passed on in pieces of this length. */
        const val MAX_LINE_CHARS = 8_192

        /** Calls [each] with every line of [reader], ended by `\n`, `\r` or `\r\n`, in pieces of at most [MAX_LINE_CHARS]. */
        fun forEachLine(reader: Reader, each: (String) -> Unit) {
            val line = StringBuilder()
            val buffer = CharArray(MAX_LINE_CHARS)
            var afterReturn = false
            // A line end right after a full piece ends that piece's line: no empty line follows.
            var afterPiece = false
            while (true) {
                val count = reader.read(buffer)
                if (count < 0) break
                for (i in 0 until count) {
                    val c = buffer[i]
                    if (c == '\n' && afterReturn) {
                        afterReturn = false
                        continue
                    }
                    afterReturn = c == '\r'
                    if (c == '\n' || c == '\r') {
                        if (!afterPiece) each(line.toString())
                        line.setLength(0)
                        afterPiece = false
                    } else {
                        line.append(c)
                        afterPiece = line.length == MAX_LINE_CHARS
                        if (afterPiece) {
                            // A surrogate pair is never split between pieces: its first half waits for the next.
                            val carried = c.isHighSurrogate()
                            each(line.substring(0, if (carried) MAX_LINE_CHARS - 1 else MAX_LINE_CHARS))
                            line.setLength(0)
                            if (carried) {
                                line.append(c)
                                afterPiece = false
                            }
                        }
                    }
                }
            }
            if (line.isNotEmpty()) each(line.toString())
        }

        fun forwardTo(logger: Logger, error: Boolean): (String) -> Unit =
            if (error) { line -> logger.warn("[stderr] {}", line) } else { line -> logger.info("[stdout] {}", line) }
    }
}
