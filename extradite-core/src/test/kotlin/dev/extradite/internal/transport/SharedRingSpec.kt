@file:OptIn(InternalExtraditeApi::class)

package dev.extradite.internal.transport

import dev.extradite.ExtraditeProtocolError
import dev.extradite.InternalExtraditeApi
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.nulls.shouldBeNull
import io.kotest.matchers.nulls.shouldNotBeNull
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.io.IOException
import java.nio.ByteBuffer
import java.nio.ByteOrder
import java.nio.channels.FileChannel
import java.nio.file.Files
import java.nio.file.StandardOpenOption
import kotlin.random.Random

/** One direction's ring, with both ends in this JVM: the sender's and the receiver's mappings of one file. */
class SharedRingSpec : FunSpec({
    val directory = Files.createTempDirectory("ring")
    afterSpec { SharedMemory.deleteDirectory(directory) }
    var rings = 0

    /** A sender's ring and the receiver's mapping of it, as the two processes would have them. */
    fun ends(): Pair<SharedRing, SharedRing> {
        val path = directory.resolve("r${rings++}")
        val sender = SharedRing.create(path).shouldNotBeNull()
        return sender to SharedRing.open(path)
    }

    test("arrays cross in order, wrapping around the end of the ring, and the receiver deletes the file once mapped") {
        val path = directory.resolve("wrap")
        val sender = SharedRing.create(path).shouldNotBeNull()
        Files.size(path) shouldBe SharedRing.HEADER_BYTES.toLong() + SharedRing.CAPACITY
        val receiver = SharedRing.open(path)
        Files.exists(path) shouldBe false
        // 3 MiB at a time through a 4 MiB ring: every second array wraps.
        repeat(6) { round ->
            val bytes = Random(round).nextBytes(3 shl 20)
            sender.offer(bytes) shouldBe true
            receiver.take(bytes.size).contentEquals(bytes) shouldBe true
        }
        sender.close()
        receiver.close()
    }

    test("a full ring refuses an array, and takes room back as the receiver reads") {
        val (sender, receiver) = ends()
        val half = SharedRing.CAPACITY / 2
        sender.offer(ByteArray(half) { 1 }) shouldBe true
        sender.offer(ByteArray(half) { 2 }) shouldBe true
        sender.offer(ByteArray(1)) shouldBe false
        receiver.take(half).all { it == 1.toByte() } shouldBe true
        sender.offer(ByteArray(half) { 3 }) shouldBe true
        receiver.take(half).all { it == 2.toByte() } shouldBe true
        receiver.take(half).all { it == 3.toByte() } shouldBe true
        sender.offer(ByteArray(SharedRing.CAPACITY + 1)) shouldBe false
        sender.close()
        receiver.close()
    }

    test("a sender stops using a ring whose receiver published an impossible read position") {
        val path = directory.resolve("hostile")
        val sender = SharedRing.create(path).shouldNotBeNull()
        // The peer writes its own idea of the read position into the header: ahead of anything written.
        FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE).use { channel ->
            channel.write(ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(0, 12_345), 0)
        }
        sender.offer(ByteArray(10)) shouldBe false
        sender.offer(ByteArray(10)) shouldBe false
        sender.close()

        // Or too far behind: more than the ring's capacity unread.
        val behind = directory.resolve("behind")
        val second = SharedRing.create(behind).shouldNotBeNull()
        second.offer(ByteArray(10)) shouldBe true
        FileChannel.open(behind, StandardOpenOption.READ, StandardOpenOption.WRITE).use { channel ->
            channel.write(ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(0, -SharedRing.CAPACITY.toLong()), 0)
        }
        second.offer(ByteArray(10)) shouldBe false
        second.close()
    }

    test("after close a sender offers nothing and a receiver takes nothing; closing twice is harmless") {
        val (sender, receiver) = ends()
        sender.offer(ByteArray(100)) shouldBe true
        sender.close()
        sender.close()
        sender.offer(ByteArray(100)) shouldBe false
        receiver.close()
        shouldThrow<IOException> { receiver.take(100) }.message shouldContain "closed"
        receiver.close()
    }

    test("the receiver refuses a ring file of the wrong size, or one that is not a regular file, and deletes it") {
        val small = directory.resolve("small")
        Files.write(small, ByteArray(4096))
        shouldThrow<ExtraditeProtocolError> { SharedRing.open(small) }.message shouldContain "holds 4096 bytes"
        Files.exists(small) shouldBe false

        val target = SharedRing.create(directory.resolve("real")).shouldNotBeNull()
        val link = Files.createSymbolicLink(directory.resolve("link"), directory.resolve("real"))
        shouldThrow<ExtraditeProtocolError> { SharedRing.open(link) }.message shouldContain "missing or not a regular file"
        Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS) shouldBe false
        target.close()

        shouldThrow<ExtraditeProtocolError> { SharedRing.open(directory.resolve("missing")) }.message shouldContain "missing or not a regular file"
    }

    test("a ring that cannot be made is null, and leaves no file behind") {
        SharedRing.create(directory.resolve("no-such-directory").resolve("r")).shouldBeNull()
        val existing = directory.resolve("taken")
        Files.write(existing, ByteArray(1))
        SharedRing.create(existing).shouldBeNull()
        Files.size(existing) shouldBe 1
    }
})
