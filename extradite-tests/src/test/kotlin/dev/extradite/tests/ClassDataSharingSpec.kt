package dev.extradite.tests

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.string.shouldContain
import io.kotest.engine.spec.tempdir
import io.kotest.matchers.collections.shouldHaveSize
import io.kotest.matchers.shouldBe
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.Paths
import java.nio.file.StandardOpenOption
import kotlin.io.path.listDirectoryEntries

/** Children record a class-data archive once, use it afterwards, and shrug off a broken one. */
class ClassDataSharingSpec : FunSpec({
    // Each test's cache directory is made in here; the whole tree goes after the spec.
    val caches = tempdir("extradite-cds").toPath()
    suspend fun <T> withCacheDirectory(directory: Path, block: suspend () -> T): T =
        Fixtures.withHostProperty("extradite.cds.dir", directory.toString()) { block() }

    /** The archives of children on this JVM's JDK in [directory]: dynamic class-data archives, or AOT caches from JDK 25 on. */
    fun archivesIn(directory: Path): List<Path> =
        directory.listDirectoryEntries(if (Runtime.version().feature() >= 25) "child-*.aot" else "child-*.jsa")

    test("the first child records an archive; a corrupt archive is ignored silently") {
        val directory = Files.createTempDirectory(caches, "cache")
        withCacheDirectory(directory) {
            Fixtures.open("com.acme.heavy.Counter").use { it.newInstance(1).call("increment", 1) shouldBe 2 }
            val archives = archivesIn(directory)
            archives shouldHaveSize 1
            val archive = archives.single()
            archive.toFile().setWritable(true)
            Files.write(archive, ByteArray(4096) { 7 })
            Fixtures.open("com.acme.heavy.Counter").use { it.newInstance(2).call("increment", 1) shouldBe 3 }
        }
    }

    test("a child with an agent (here the JDK's debugger) starts without recording, from its options or its environment") {
        val directory = Files.createTempDirectory(caches, "cache")
        val debugger = "-agentlib:jdwp=transport=dt_socket,server=y,suspend=n,address=127.0.0.1:0"
        withCacheDirectory(directory) {
            Fixtures.open("com.acme.heavy.Counter") { jvmArgs(debugger) }.use { it.newInstance(1).call("increment", 1) shouldBe 2 }
            Fixtures.open("com.acme.heavy.Counter") { env("JAVA_TOOL_OPTIONS", debugger) }.use { it.newInstance(2).call("increment", 1) shouldBe 3 }
            directory.listDirectoryEntries("child-*") shouldHaveSize 0
        }
    }

    test("a child on JDK 25 records AOT training data; the cache its close() makes starts the next child").config(enabled = Fixtures.hasJdk25) {
        val directory = Files.createTempDirectory(caches, "aot")
        withCacheDirectory(directory) {
            Fixtures.open("com.acme.heavy.Probe") { javaHome(Fixtures.jdk25) }.use { probes ->
                (probes.call("jvmArguments") as String) shouldContain "-XX:AOTMode=record"
            }
            // Made by one more JVM run when the first child has exited and its session closed.
            directory.listDirectoryEntries("child-*.aot") shouldHaveSize 1
            Fixtures.open("com.acme.heavy.Probe") { javaHome(Fixtures.jdk25) }.use { probes ->
                (probes.call("jvmArguments") as String) shouldContain "-XX:AOTCache=${directory.listDirectoryEntries("child-*.aot").single()}"
                probes.call("feature") shouldBe 25
            }
            directory.listDirectoryEntries("recording-*") shouldHaveSize 0
        }
    }

    test("a JDK updated in place gets an archive of its own") {
        // A JDK at a fixed path whose build changes (as a package update does): its launcher is
        // a link to this JVM's (which finds its own libraries through its real path), its
        // release file is its own. Only files are linked: a recursive delete of the temporary
        // directory that followed a directory link would empty the real JDK.
        val real = Paths.get(System.getProperty("java.home"))
        val jdk = Files.createTempDirectory(caches, "jdk")
        Files.createDirectory(jdk.resolve("bin"))
        Files.createSymbolicLink(jdk.resolve("bin").resolve("java"), real.resolve("bin").resolve("java"))
        Files.copy(real.resolve("release"), jdk.resolve("release"))
        val directory = Files.createTempDirectory(caches, "cache")
        withCacheDirectory(directory) {
            Fixtures.open("com.acme.heavy.Counter") { javaHome(jdk) }.use { it.newInstance(1).call("increment", 1) shouldBe 2 }
            archivesIn(directory) shouldHaveSize 1
            Files.writeString(jdk.resolve("release"), "IMPLEMENTOR_VERSION=\"updated in place\"\n", StandardOpenOption.APPEND)
            Fixtures.open("com.acme.heavy.Counter") { javaHome(jdk) }.use { it.newInstance(2).call("increment", 1) shouldBe 3 }
            archivesIn(directory) shouldHaveSize 2
        }
    }
})
