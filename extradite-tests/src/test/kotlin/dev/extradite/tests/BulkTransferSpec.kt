package dev.extradite.tests

import dev.extradite.ExtraditeChildExitedError
import dev.extradite.ExtraditeRemoteError
import dev.extradite.RemoteClass
import io.kotest.assertions.nondeterministic.eventually
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldBeEmpty
import io.kotest.matchers.collections.shouldContainAll
import io.kotest.matchers.collections.shouldHaveSize
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldNotContain
import kotlinx.coroutines.withTimeoutOrNull
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.Paths
import kotlin.io.path.listDirectoryEntries
import kotlin.time.Duration.Companion.seconds

/**
 * Large attachments (64 KiB and up by default) cross through each side's shared-memory ring, in
 * a private directory on /dev/shm that goes with the session; the rings are unmapped when the
 * connection ends, however it ends. Which files a process maps is read from /proc/<pid>/maps.
 */
class BulkTransferSpec : FunSpec({
    val linux = Files.isDirectory(Fixtures.shm) && Files.isReadable(Paths.get("/proc/self/maps"))

    /** The ring files under [directory] that process [pid] has mapped (deleted files included). */
    fun ringsMappedBy(pid: Long, directory: Path): Set<String> =
        Files.readAllLines(Paths.get("/proc/$pid/maps"))
            .filter { "$directory/" in it }
            .map { it.substringAfter("$directory/") }
            .toSet()

    /** The shared-memory directory whose rings process [pid] maps (it maps one session's, so one). */
    fun ringDirectoryOf(pid: Long): Path =
        Files.readAllLines(Paths.get("/proc/$pid/maps"))
            .mapNotNull { line -> Regex("(/dev/shm/extradite-bulk-[^/ ]+)/").find(line)?.groupValues?.get(1) }
            .toSet().also { it shouldHaveSize 1 }
            .let { Paths.get(it.single()) }

    /**
     * A session with an Overloads instance, the child's pid (from a Probe in the same child), and
     * its shared-memory directory, found through the rings the child maps once an array crossed.
     */
    suspend fun session(key: String, configure: dev.extradite.ExtraditeBuilder.() -> Unit = {}): Triple<RemoteClass, Long, Path> {
        val overloads = Fixtures.open("com.acme.heavy.Overloads") { shareKey(key); configure() }
        val pid = Fixtures.open("com.acme.heavy.Probe") { shareKey(key); configure() }.use { it.call("pid") as Long }
        (overloads.newInstance().call("echoBytes", ByteArray(1 shl 20)) as ByteArray).size shouldBe (1 shl 20)
        return Triple(overloads, pid, ringDirectoryOf(pid))
    }

    test("large arrays cross intact both ways through both processes' rings, which are unmapped and deleted with the session").config(enabled = linux) {
        val (overloads, pid, directory) = session("bulk-1")
        val target = overloads.newInstance()

        val bytes = ByteArray(3 * 1024 * 1024).also { java.util.Random(7).nextBytes(it) }
        (target.call("echoBytes", bytes) as ByteArray).contentEquals(bytes) shouldBe true
        val ints = IntArray(100_000) { it * 7 }
        (target.call("echo", ints) as IntArray).contentEquals(ints) shouldBe true
        // Both rings are mapped by both processes; each file was deleted once its receiver mapped it.
        ringsMappedBy(pid, directory) shouldContainAll setOf("host.ring (deleted)", "child.ring (deleted)")
        ringsMappedBy(ProcessHandle.current().pid(), directory) shouldContainAll setOf("host.ring (deleted)", "child.ring (deleted)")
        directory.listDirectoryEntries().shouldBeEmpty()

        // The target fails after the array reached it; a large result whose caller gave up is read
        // off the ring all the same. 16 MiB more through the 4 MiB rings: their room comes back.
        shouldThrow<ExtraditeRemoteError> { target.call("rejectBytes", bytes) }.remoteMessage shouldBe "rejected ${bytes.size} bytes"
        withTimeoutOrNull(100) { target.call("lateBytes", 1 shl 20, 300L) } shouldBe null
        repeat(16) { (target.call("echoBytes", ByteArray(1 shl 20) { i -> i.toByte() }) as ByteArray)[it] shouldBe it.toByte() }

        overloads.close()
        eventually(10.seconds) {
            Files.exists(directory) shouldBe false
            ringsMappedBy(ProcessHandle.current().pid(), directory).shouldBeEmpty()
        }
    }

    test("when the child dies, the host unmaps both rings, and close deletes the directory").config(enabled = linux) {
        val (overloads, pid, directory) = session("bulk-2")
        val target = overloads.newInstance()
        ringsMappedBy(ProcessHandle.current().pid(), directory) shouldHaveSize 2
        ProcessHandle.of(pid).ifPresent { it.destroyForcibly() }
        shouldThrow<ExtraditeChildExitedError> { target.call("echoBytes", ByteArray(1 shl 20)) }
        eventually(10.seconds) { ringsMappedBy(ProcessHandle.current().pid(), directory).shouldBeEmpty() }
        overloads.close()
        Files.exists(directory) shouldBe false
    }

    test("with -Dextradite.bulk.threshold=0 everything goes by socket, and no shared-memory directory is made").config(enabled = linux) {
        val before = Fixtures.bulkDirectories()
        val overloads = Fixtures.withHostProperty("extradite.bulk.threshold", "0") { Fixtures.open("com.acme.heavy.Overloads") }
        overloads.use {
            val bytes = ByteArray(1 shl 20).also { java.util.Random(9).nextBytes(it) }
            (it.newInstance().call("echoBytes", bytes) as ByteArray).contentEquals(bytes) shouldBe true
            Fixtures.bulkDirectories() - before shouldBe emptySet()
        }
    }

    test("a ByteBuffer travels as its remaining bytes, heap or direct as sent, small and through shared memory") {
        Fixtures.open("com.acme.heavy.Overloads").use { overloads ->
            val target = overloads.newInstance()
            for (size in listOf(16, 1 shl 20)) {
                val bytes = ByteArray(size + 4) { (it * 7).toByte() }
                // A heap buffer with a position and a limit: only what lies between them goes.
                val heap = java.nio.ByteBuffer.wrap(bytes).position(2).limit(size + 2)
                target.call("describe", heap) shouldBe "heap 0/$size"
                heap.position() shouldBe 2
                val back = target.call("reversed", heap) as java.nio.ByteBuffer
                back.remaining() shouldBe size
                (0 until size).all { back.get(it) == bytes[size + 1 - it] } shouldBe true
                val direct = java.nio.ByteBuffer.allocateDirect(size).put(bytes, 0, size).flip()
                target.call("describe", direct) shouldBe "direct 0/$size"
                val made = target.call("directOf", size) as java.nio.ByteBuffer
                made.isDirect shouldBe true
                made.remaining() shouldBe size
                made.get(size - 1) shouldBe (size - 1).toByte()
            }
        }
    }

    test("a threshold that is not a byte count is refused when the session starts, naming the setting") {
        Fixtures.withHostProperty("extradite.bulk.threshold", "64k") {
            shouldThrow<IllegalArgumentException> { Fixtures.open("com.acme.heavy.Overloads") }.message shouldContain "extradite.bulk.threshold=64k"
        }
    }

    val jdk25 = Fixtures.jdk25
    test("a child on JDK 25 maps and unmaps its rings through the foreign memory API, with no deprecation warning").config(
        enabled = linux && Fixtures.hasJdk25,
    ) {
        val forwarded = Fixtures.capturingStderr {
            val (overloads, pid, directory) = session("bulk-jdk25") { javaHome(jdk25) }
            val bytes = ByteArray(1 shl 20).also { java.util.Random(25).nextBytes(it) }
            repeat(6) { (overloads.newInstance().call("echoBytes", bytes) as ByteArray).contentEquals(bytes) shouldBe true }
            ringsMappedBy(pid, directory) shouldContainAll setOf("host.ring (deleted)", "child.ring (deleted)")
            // A line of the child's own, to show its stderr reaches the capture.
            Fixtures.open("com.acme.heavy.Probe") { shareKey("bulk-jdk25"); javaHome(jdk25) }.use { it.call("warn", "jdk25 child's last line") }
            overloads.close()
            // The child unmaps its rings as its session ends, then exits; its stderr is read to the end.
            ProcessHandle.of(pid).ifPresent { it.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS) }
            Thread.getAllStackTraces().keys.filter { it.name == "extradite.session.bulk-jdk25-stderr" }.forEach { it.join(10_000) }
        }
        forwarded shouldContain "jdk25 child's last line"
        forwarded shouldNotContain "sun.misc.Unsafe"
        forwarded shouldNotContain "Exception"
    }
})
