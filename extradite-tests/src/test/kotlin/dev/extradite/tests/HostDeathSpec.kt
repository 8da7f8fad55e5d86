package dev.extradite.tests

import io.kotest.assertions.nondeterministic.eventually
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldBeEmpty
import io.kotest.matchers.collections.shouldNotBeEmpty
import io.kotest.matchers.collections.shouldContain
import io.kotest.matchers.longs.shouldBeLessThan
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldStartWith
import java.nio.file.Files
import java.nio.file.Paths
import java.util.concurrent.TimeUnit
import kotlin.io.path.listDirectoryEntries
import kotlin.time.Duration.Companion.seconds

/** No child outlives its host, whether the host exits normally or is killed with SIGKILL. */
class HostDeathSpec : FunSpec({
    val hostErrors = Files.createTempFile("orphan-host", ".stderr").toFile().apply { deleteOnExit() }

    /**
     * The host process, its child's pid, and the one reader of the host's stdout (a second reader
     * would miss whatever the first one had already buffered).
     */
    fun startHostReading(mode: String): Triple<Process, Long, java.io.BufferedReader> {
        val java = Paths.get(System.getProperty("java.home"), "bin", "java").toString()
        val host = ProcessBuilder(
            java, "-cp", System.getProperty("java.class.path"), OrphanHost::class.java.name, Fixtures.targetJar.toString(), mode,
        ).redirectError(hostErrors).start()
        val stdout = host.inputStream.bufferedReader()
        val line = stdout.readLine() ?: error("the host process printed nothing")
        line shouldStartWith "CHILD "
        return Triple(host, line.removePrefix("CHILD ").trim().toLong(), stdout)
    }

    fun startHost(mode: String): Pair<Process, Long> = startHostReading(mode).let { (host, child, _) -> host to child }

    /**
     * Whether [pid] has exited: gone, or (on Linux) a zombie that its new parent has not reaped
     * yet. An orphan's new parent is the machine's init, whose reaping is not ours to time: in
     * this project's container it took 1-2 s, during which the JDK still reports the process alive.
     */
    fun hasExited(pid: Long): Boolean {
        if (!Fixtures.isAlive(pid)) return true
        val stat = runCatching { Files.readString(Paths.get("/proc/$pid/stat")) }.getOrNull() ?: return false
        return stat.substringAfterLast(')').trim().startsWith("Z")
    }

    /** The hosts' socket directories in the temporary directory: `extradite-` and digits. */
    fun socketDirectories(): Set<java.nio.file.Path> =
        Paths.get(System.getProperty("java.io.tmpdir")).listDirectoryEntries("extradite-*")
            .filter { it.fileName.toString().removePrefix("extradite-").all(Char::isDigit) }
            .toSet()

    test("a host killed with SIGKILL leaves no child behind, no socket directory and no shared-memory directory") {
        val directoriesBefore = socketDirectories()
        val bulkBefore = Fixtures.bulkDirectories()
        val lifetimes = mutableListOf<Long>()
        repeat(3) {
            val bulkBeforeThisHost = Fixtures.bulkDirectories()
            val (host, child) = startHost("wait")
            // The host made one for its session (the killed host cannot delete it: its child does).
            if (Files.isDirectory(Fixtures.shm)) (Fixtures.bulkDirectories() - bulkBeforeThisHost).shouldNotBeEmpty()
            val childExit = ProcessHandle.of(child).orElseThrow().onExit()
            host.destroyForcibly()
            host.waitFor(10, TimeUnit.SECONDS) shouldBe true
            val killedAt = System.nanoTime()
            eventually(10.seconds) { hasExited(child) shouldBe true }
            lifetimes += (System.nanoTime() - killedAt) / 1_000_000
            childExit.get(10, TimeUnit.SECONDS)
        }
        println("orphaned child lived after its host's SIGKILL (ms): ${lifetimes.sorted()}")
        lifetimes.max() shouldBeLessThan 2_000L
        // Each host deleted its socket's directory as soon as its child had connected.
        (socketDirectories() - directoriesBefore).shouldBeEmpty()
        (Fixtures.bulkDirectories() - bulkBefore).shouldBeEmpty()
    }

    test("with INHERIT the child writes straight to the host process's own stdout") {
        val (host, _, stdout) = startHostReading("inherit")
        val rest = stdout.readLines()
        host.waitFor(30, TimeUnit.SECONDS) shouldBe true
        withClue("the host's stderr:\n${hostErrors.readText()}") {
            host.exitValue() shouldBe 0
            rest shouldContain "a line the child wrote to the inherited stdout"
        }
    }

    test("a host that exits without closing its sessions stops its children on shutdown") {
        val (host, child) = startHost("exit")
        host.waitFor(30, TimeUnit.SECONDS) shouldBe true
        host.exitValue() shouldBe 0
        eventually(10.seconds) { Fixtures.isAlive(child) shouldBe false }
    }
})
