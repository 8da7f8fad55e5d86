package dev.extradite.examples

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.nio.file.Path
import java.util.concurrent.TimeUnit

/**
 * Runs every demo as the README's demo command does: its main class in a fresh JVM, on this
 * module's runtime class path (the demos' targets are excluded from it). Each demo checks its own
 * results and exits non-zero when one is wrong.
 */
class DemosSpec : FunSpec({
    test("the Kotlin quick start runs and checks itself") {
        runDemo("QuickStart") shouldContain "quick start OK"
    }

    test("the Java quick start runs and checks itself") {
        val output = runDemo("JavaQuickStart")
        output shouldContain "five=5 eight=8 ten=10 twelve=12 label=eight"
        output shouldContain "Java quick start OK"
    }

    test("the manual's tour (sessions, callbacks, batch, errors, arguments) runs and checks itself") {
        val output = runDemo("Tour")
        output shouldContain "java.lang.IllegalStateException: disk full"
        output shouldContain "arguments: named, and Kotlin defaults for those left out"
        output shouldContain "tour OK"
    }

    test("the dependency-conflict demo runs three Guava versions in one run") {
        val output = runDemo("DependencyConflict")
        output shouldContain "legacy: Guava from guava-${Demo["guava.legacy.version"]}.jar"
        output shouldContain "modern: Guava from guava-${Demo["guava.modern.version"]}.jar"
        output shouldContain "NoSuchMethodError"
        output shouldContain "dependency conflict OK"
    }

    test("the native-library demo fails in two class loaders and works in two children") {
        val output = runDemo("NativeLibrary")
        output shouldContain "already loaded in another classloader"
        output shouldContain "native library OK"
    }

    test("a demo that fails exits non-zero and says why") {
        // The quick start with a target jar that does not exist: it must fail, not pass quietly.
        val (exitCode, output) = launch("QuickStart", heavyJar = Path.of(Demo["libs"], "missing.jar"))
        exitCode shouldBe 1
        output shouldContain "missing.jar"
    }
})

/** Runs [demo] and returns its output; fails the test when it exits non-zero. */
private fun runDemo(demo: String): String {
    val (exitCode, output) = launch(demo)
    check(exitCode == 0) { "$demo exited with $exitCode:\n$output" }
    return output
}

private fun launch(demo: String, heavyJar: Path = Path.of(Demo["libs"], "heavy.jar")): Pair<Int, String> {
    val java = Path.of(System.getProperty("java.home"), "bin", "java").toString()
    val process = ProcessBuilder(java, "-Dheavy.jar=$heavyJar", "-cp", System.getProperty("java.class.path"), "dev.extradite.examples.$demo")
        .redirectErrorStream(true)
        .start()
    val output = process.inputStream.bufferedReader().readText()
    check(process.waitFor(60, TimeUnit.SECONDS)) { "$demo did not exit" }
    return process.exitValue() to output
}
