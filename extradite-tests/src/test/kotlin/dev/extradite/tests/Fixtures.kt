package dev.extradite.tests

import dev.extradite.ExtraditeBuilder
import dev.extradite.RemoteClass
import dev.extradite.extradite
import java.io.ByteArrayOutputStream
import java.io.PrintStream
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.Paths
import kotlin.io.path.listDirectoryEntries

/** Where the fixture jars are; the target jar is NOT on this JVM's classpath. */
object Fixtures {
    val targetJar: Path = jar("extradite.fixtures.target")
    val sharedJar: Path = jar("extradite.fixtures.shared")

    private fun jar(property: String): Path {
        val value = System.getProperty(property) ?: error("system property $property is not set; run the tests through Maven")
        return Paths.get(value).also { check(Files.exists(it)) { "$property points at $it, which does not exist" } }
    }

    /** Where sessions make their shared-memory directories, on machines that have it. */
    val shm: Path = Paths.get("/dev/shm")

    /** The sessions' shared-memory directories now; empty without [shm]. */
    fun bulkDirectories(): Set<Path> = if (Files.isDirectory(shm)) shm.listDirectoryEntries("extradite-bulk-*").toSet() else emptySet()

    /** The machine's second JDK, for children on another JDK; tests that need it are skipped without it. */
    val jdk25: Path = Paths.get("/usr/lib/jvm/temurin-25-jdk-amd64")

    /** Whether [jdk25] is installed. */
    val hasJdk25: Boolean get() = Files.isExecutable(jdk25.resolve("bin").resolve("java"))

    /** Opens a fixture target class in a fresh child with both fixture jars on its classpath. */
    fun open(target: String, configure: ExtraditeBuilder.() -> Unit = {}): RemoteClass = extradite(target) {
        classpath(targetJar, sharedJar)
        configure()
    }

    /** Whether process [pid] is running (a zombie counts as running, as the JDK reports it). */
    fun isAlive(pid: Long): Boolean = ProcessHandle.of(pid).map { it.isAlive }.orElse(false)

    /** Runs [block] with the host's system property [name] set to [value], then puts back what was there. */
    inline fun <T> withHostProperty(name: String, value: String, block: () -> T): T {
        val previous = System.getProperty(name)
        System.setProperty(name, value)
        try {
            return block()
        } finally {
            if (previous == null) System.clearProperty(name) else System.setProperty(name, previous)
        }
    }

    /**
     * Runs [block] with System.err captured, and returns what was written to it. slf4j-simple (the
     * test provider) writes to whatever System.err is at the time, so a child's forwarded output
     * lands here; [block] may read what has arrived so far.
     */
    suspend fun capturingStderr(block: suspend (capturedSoFar: () -> String) -> Unit): String {
        val captured = ByteArrayOutputStream()
        val original = System.err
        System.setErr(PrintStream(captured, true))
        try {
            block { captured.toString() }
        } finally {
            System.setErr(original)
        }
        return captured.toString()
    }

    /** True when [className] can be loaded by the host test JVM. */
    fun hostCanLoad(className: String): Boolean =
        runCatching { Class.forName(className, false, Fixtures::class.java.classLoader) }.isSuccess
}
