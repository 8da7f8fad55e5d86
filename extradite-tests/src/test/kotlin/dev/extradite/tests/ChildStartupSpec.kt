package dev.extradite.tests

import dev.extradite.ExtraditeChildExitedError
import dev.extradite.ExtraditeRemoteError
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.engine.spec.tempdir
import io.kotest.matchers.collections.shouldHaveSize
import io.kotest.matchers.ints.shouldBeGreaterThan
import io.kotest.matchers.nulls.shouldNotBeNull
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.nio.file.Files
import java.nio.file.Paths
import java.time.Duration
import java.util.concurrent.TimeUnit

/** How the child is started (JDK, flags, environment, directory) and how a failed start is reported. */
class ChildStartupSpec : FunSpec({
    // A working directory for the child; deleted after the spec.
    val childDirectory = tempdir("extradite-wd").toPath()

    test("a bad JVM flag fails fast with the exit code, the stderr tail and the command line") {
        // Several times: the abandoned wait for the connection once raced the exit to be the reason given.
        repeat(4) {
            val error = shouldThrow<ExtraditeChildExitedError> {
                Fixtures.open("com.acme.heavy.Counter") { jvmArgs("-XX:+NoSuchFlagForExtradite") }
            }
            error.exitCode.shouldNotBeNull() shouldBeGreaterThan 0
            error.message shouldContain "exited with code ${error.exitCode} during startup"
            error.stderrTail shouldContain "NoSuchFlagForExtradite"
            error.message shouldContain "command:"
            error.message shouldContain "-XX:+NoSuchFlagForExtradite"
        }
    }

    test("a classpath entry that does not exist is refused before anything starts") {
        val error = shouldThrow<IllegalArgumentException> {
            Fixtures.open("com.acme.heavy.Counter") { classpath(Paths.get("/nonexistent/heavy.jar")) }
        }
        error.message shouldContain "/nonexistent/heavy.jar"
    }

    test("a target class missing from the classpath is reported by open(), naming the classpath") {
        val error = shouldThrow<ExtraditeRemoteError> { Fixtures.open("com.acme.heavy.NoSuchClass") }
        error.remoteTypeName shouldBe "java.lang.ClassNotFoundException"
        error.remoteMessage.shouldNotBeNull() shouldContain "classpath(...)"
    }

    test("a child that does not connect within the startup timeout is stopped and reported") {
        val error = shouldThrow<ExtraditeChildExitedError> {
            Fixtures.open("com.acme.heavy.Counter") { startupTimeout(Duration.ofMillis(10)) }
        }
        error.message shouldContain "did not connect within 10 ms"
        error.message shouldContain "command:"
    }

    test("jvmArgs, env and workingDirectory reach the child") {
        Fixtures.open("com.acme.heavy.Probe") {
            jvmArgs("-Xmx96m", "-Dextradite.test.flag=on")
            env("EXTRADITE_TEST_VAR", "hello")
            workingDirectory(childDirectory)
        }.use { probe ->
            probe.call("property", "extradite.test.flag") shouldBe "on"
            probe.call("env", "EXTRADITE_TEST_VAR") shouldBe "hello"
            probe.call("cwd") shouldBe childDirectory.toRealPath().toString()
            (probe.call("maxHeap") as Long) shouldBeLessThanOrEqual 96L * 1024 * 1024
            (probe.call("pid") as Long) shouldNotBe ProcessHandle.current().pid()
        }
    }

    test("a child started without its startup warm-up thread serves as usual") {
        Fixtures.open("com.acme.heavy.Probe") { jvmArgs("-Dextradite.child.warmup=false") }.use { probe ->
            probe.call("property", "extradite.child.warmup") shouldBe "false"
            (probe.call("pid") as Long) shouldNotBe ProcessHandle.current().pid()
        }
    }

    test("readers that never spin, spin up to 10 ms, or run on one processor serve a session as usual") {
        // -Dextradite.spinMicros on the host sets both sides' budget; a child with one processor never spins.
        for ((micros, childFlags) in listOf("0" to emptyList<String>(), "10000" to emptyList(), "20" to listOf("-XX:ActiveProcessorCount=1"))) Fixtures.withHostProperty("extradite.spinMicros", micros) {
            Fixtures.open("com.acme.heavy.Counter") { jvmArgs(*childFlags.toTypedArray()) }.use { counters ->
                val counter = counters.newInstance(0)
                (1..300).map { counter.callBlocking("increment", 1) } shouldBe (1..300).toList()
                counter.batchBlocking("increment", List(100) { listOf(2) }) shouldBe (302..500 step 2).toList()
            }
        }
    }

    test("a bad -Dextradite.spinMicros is refused by open(), saying what it takes") {
        Fixtures.withHostProperty("extradite.spinMicros", "fast") {
            val error = shouldThrow<IllegalArgumentException> { Fixtures.open("com.acme.heavy.Counter") }
            error.message shouldContain "extradite.spinMicros=fast"
            error.message shouldContain "0 turns spinning off"
        }
    }

    test("a child started by hand with bad arguments says what it expected in one line and exits with 2") {
        val java = Paths.get(System.getProperty("java.home"), "bin", "java").toString()
        val cases = listOf(
            listOf("unix:/nonexistent/s", "1024", "SOCKET_CHANNEL") to "expected <endpoint> <maxFrameSize> <transport> <spinMicros>",
            listOf("unix:/nonexistent/s", "1024", "SOCKET_CHANNEL", "fast") to "extradite.spinMicros=fast",
            listOf("unix:/nonexistent/s", "big", "SOCKET_CHANNEL", "20") to "\"big\"",
            listOf("unix:/nonexistent/s", "1024", "PIGEON", "20") to "PIGEON",
        )
        for ((arguments, expected) in cases) {
            val child = ProcessBuilder(listOf(java, "-cp", System.getProperty("java.class.path"), "dev.extradite.child.ChildMain") + arguments)
                .redirectErrorStream(true).start()
            val output = child.inputStream.bufferedReader().readText()
            child.waitFor(30, TimeUnit.SECONDS) shouldBe true
            child.exitValue() shouldBe 2
            output.lines().filter { it.isNotBlank() } shouldHaveSize 1
            output shouldContain "extradite child: "
            output shouldContain expected
        }
    }

    test("javaHome runs the child on another JDK").config(enabled = Fixtures.hasJdk25) {
        Fixtures.open("com.acme.heavy.Probe") { javaHome(Fixtures.jdk25) }.use { probe ->
            probe.call("feature") shouldBe 25
        }
    }
})

private infix fun Long.shouldBeLessThanOrEqual(limit: Long) {
    if (this > limit) throw AssertionError("$this should be <= $limit")
}

private infix fun Long.shouldNotBe(other: Long) {
    if (this == other) throw AssertionError("$this should not be $other")
}
