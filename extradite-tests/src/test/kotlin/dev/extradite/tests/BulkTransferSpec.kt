package dev.extradite.tests

import dev.extradite.ExtraditeRemoteError
import io.kotest.assertions.nondeterministic.eventually
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldBeEmpty
import io.kotest.matchers.collections.shouldHaveSize
import io.kotest.matchers.shouldBe
import kotlinx.coroutines.withTimeoutOrNull
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.Paths
import kotlin.io.path.listDirectoryEntries
import kotlin.time.Duration.Companion.seconds

/**
 * With -Dextradite.bulk.threshold set (off by default, see BulkStore), arrays from that size up
 * cross through a private shared-memory directory, cleaned up on every path.
 */
class BulkTransferSpec : FunSpec({
    val shm = Paths.get("/dev/shm")
    fun bulkDirectories(): List<Path> =
        if (Files.isDirectory(shm)) shm.listDirectoryEntries("extradite-bulk-*") else emptyList()

    test("a large array crosses intact both ways, and no file is left behind on any path").config(enabled = Files.isDirectory(shm)) {
        val before = bulkDirectories().toSet()
        System.setProperty("extradite.bulk.threshold", (64 * 1024).toString())
        val overloads = try {
            Fixtures.open("com.acme.heavy.Overloads")
        } finally {
            System.clearProperty("extradite.bulk.threshold")
        }
        val mine = (bulkDirectories() - before).also { it shouldHaveSize 1 }.single()
        val target = overloads.newInstance()

        val bytes = ByteArray(3 * 1024 * 1024).also { java.util.Random(7).nextBytes(it) }
        (target.call("echoBytes", bytes) as ByteArray).contentEquals(bytes) shouldBe true
        val ints = IntArray(100_000) { it * 7 }
        (target.call("echo", ints) as IntArray).contentEquals(ints) shouldBe true
        mine.listDirectoryEntries().shouldBeEmpty()

        // The target fails after the array reached it: the file was consumed all the same.
        shouldThrow<ExtraditeRemoteError> { target.call("rejectBytes", bytes) }.remoteMessage shouldBe "rejected ${bytes.size} bytes"
        mine.listDirectoryEntries().shouldBeEmpty()

        // A large result whose caller gave up is never read; it goes with the session.
        withTimeoutOrNull(100) { target.call("slowBytes", 1 shl 20, 500L) } shouldBe null
        overloads.close()
        eventually(10.seconds) { Files.exists(mine) shouldBe false }
    }
})
