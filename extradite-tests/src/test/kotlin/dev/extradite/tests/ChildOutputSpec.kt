package dev.extradite.tests

import dev.extradite.ChildOutputMode
import dev.extradite.ExtraditeChildExitedError
import io.kotest.assertions.nondeterministic.eventually
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.string.shouldContain
import kotlin.time.Duration.Companion.seconds

/** The child's stdout and stderr go to the session's SLF4J logger, or are inherited or discarded. */
class ChildOutputSpec : FunSpec({
    test("stdout and stderr lines are forwarded to the logger named after the session") {
        Fixtures.capturingStderr { capturedSoFar ->
            Fixtures.open("com.acme.heavy.Probe") { shareKey("output-forward") }.use { probe ->
                probe.call("say", "hello from the child's stdout")
                probe.call("warn", "warning from the child's stderr")
                eventually(10.seconds) {
                    val text = capturedSoFar()
                    text shouldContain "extradite.session.output-forward - [stdout] hello from the child's stdout"
                    text shouldContain "extradite.session.output-forward - [stderr] warning from the child's stderr"
                }
            }
        }
    }

    test("with DISCARD the tail of stderr still explains a failed start") {
        val error = shouldThrow<ExtraditeChildExitedError> {
            Fixtures.open("com.acme.heavy.Probe") {
                childOutput(ChildOutputMode.DISCARD)
                jvmArgs("-XX:+NoSuchFlagForDiscard")
            }
        }
        error.stderrTail shouldContain "NoSuchFlagForDiscard"
    }
})
