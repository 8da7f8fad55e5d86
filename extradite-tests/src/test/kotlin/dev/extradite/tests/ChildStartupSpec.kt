package dev.extradite.tests

import dev.extradite.ExtraditeChildExitedError
import dev.extradite.ExtraditeRemoteError
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.ints.shouldBeGreaterThan
import io.kotest.matchers.nulls.shouldNotBeNull
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.nio.file.Files
import java.nio.file.Paths
import java.time.Duration

/** How the child is started (JDK, flags, environment, directory) and how a failed start is reported. */
class ChildStartupSpec : FunSpec({
    test("a bad JVM flag fails fast with the exit code, the stderr tail and the command line") {
        val error = shouldThrow<ExtraditeChildExitedError> {
            Fixtures.open("com.acme.heavy.Counter") { jvmArgs("-XX:+NoSuchFlagForExtradite") }
        }
        error.exitCode.shouldNotBeNull() shouldBeGreaterThan 0
        error.stderrTail shouldContain "NoSuchFlagForExtradite"
        error.message shouldContain "command:"
        error.message shouldContain "-XX:+NoSuchFlagForExtradite"
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
        val directory = Files.createTempDirectory("extradite-wd")
        Fixtures.open("com.acme.heavy.Probe") {
            jvmArgs("-Xmx96m", "-Dextradite.test.flag=on")
            env("EXTRADITE_TEST_VAR", "hello")
            workingDirectory(directory)
        }.use { probe ->
            probe.call("property", "extradite.test.flag") shouldBe "on"
            probe.call("env", "EXTRADITE_TEST_VAR") shouldBe "hello"
            probe.call("cwd") shouldBe directory.toRealPath().toString()
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

    val jdk25 = Paths.get("/usr/lib/jvm/temurin-25-jdk-amd64")
    test("javaHome runs the child on another JDK").config(enabled = Files.isExecutable(jdk25.resolve("bin/java"))) {
        Fixtures.open("com.acme.heavy.Probe") { javaHome(jdk25) }.use { probe ->
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
