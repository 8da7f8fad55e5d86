@file:OptIn(InternalExtraditeApi::class)

package dev.extradite.internal.transport

import dev.extradite.ExtraditeProtocolError
import dev.extradite.InternalExtraditeApi
import dev.extradite.internal.wire.Frame
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.types.shouldBeInstanceOf
import java.nio.ByteBuffer
import java.nio.channels.SocketChannel
import java.nio.file.Files
import java.util.concurrent.CompletableFuture
import java.util.concurrent.TimeUnit
import kotlin.random.Random

/** Frames over a real Unix socket: gathered writes, reads straight into attachment arrays, hostile lengths refused. */
class SocketChannelTransportSpec : FunSpec({
    /** A connected pair: a transport to test, and the raw channel of its peer. */
    fun pair(maxFrameSize: Int = 8 shl 20, spinNanos: Long = 20_000): Pair<SocketChannelTransport, SocketChannel> {
        val (accepted, peer) = connectedChannels()
        return SocketChannelTransport(accepted, maxFrameSize, spinNanos) to peer
    }

    /**
     * Starts a daemon thread that runs [receive] and returns it once it is seen spinning (its
     * stack shows it, rather than after some guessed time), with the future of what it throws.
     */
    fun spinningReader(receive: () -> Frame): Pair<Thread, CompletableFuture<Throwable?>> {
        val outcome = CompletableFuture<Throwable?>()
        val reader = Thread { outcome.complete(runCatching { receive() }.exceptionOrNull()) }
        reader.isDaemon = true
        reader.start()
        val deadline = System.nanoTime() + 10_000_000_000L
        while (reader.stackTrace.none { it.methodName == "spin" }) {
            check(System.nanoTime() < deadline) { "the reader never spun" }
            Thread.yield()
        }
        return reader to outcome
    }

    // Without spinning, with the default budget, and with one far longer than any wait here.
    for ((spinNanos, spinning) in listOf(0L to "no spinning", 20_000L to "spinning up to 20 µs", 60_000_000_000L to "spinning up to a minute")) test("frames with attachments larger than the read buffer cross whole, also when written a few bytes at a time ($spinning)") {
        val (transport, peer) = pair(spinNanos = spinNanos)
        val big = Random(7).nextBytes(1 shl 20)
        val frames = listOf(
            Frame("{}".encodeToByteArray()),
            Frame("x".encodeToByteArray(), listOf(byteArrayOf(1, 2, 3), ByteArray(0), big), Frame.FRAME_KIND_COMPACT),
        )
        val bytes = frames.flatMap { it.toBytes().toList() }.toByteArray()
        val writer = Thread {
            var offset = 0
            while (offset < bytes.size) {
                val size = if (offset < 200) 3 else 70_001
                peer.write(ByteBuffer.wrap(bytes, offset, minOf(size, bytes.size - offset)))
                offset += size
            }
        }.also { it.start() }
        for (expected in frames) {
            val received = transport.receiveBlocking()
            received.kind shouldBe expected.kind
            received.envelope.toList() shouldBe expected.envelope.toList()
            received.attachments.map { it.toList() } shouldBe expected.attachments.map { it.toList() }
        }
        writer.join()
        transport.close()
        peer.close()
    }

    test("a write to a peer that reads nothing for the stall limit fails as a closed connection, with the setting that changes it") {
        val (accepted, peer) = connectedChannels()
        val transport = SocketChannelTransport(accepted, 8 shl 20, 0, stallNanos = 300_000_000)
        val frame = ByteArray(64 * 1024)
        // The socket's buffers take megabytes; then a write waits, and the peer never reads.
        val error = shouldThrow<TransportClosedException> { repeat(10_000) { transport.sendBlocking(frame) } }
        error.message shouldContain "the peer has read nothing for 0.3 s"
        error.message shouldContain "-Dextradite.stallSeconds=0"
        transport.close()
        peer.close()
    }

    test("a peer that leaves a frame unfinished for the stall limit ends the connection; one quiet between frames does not") {
        val (accepted, peer) = connectedChannels()
        val transport = SocketChannelTransport(accepted, 8 shl 20, 0, stallNanos = 300_000_000)
        val frame = Frame(ByteArray(100) { 1 }).toBytes()
        // Quiet for longer than the limit between frames (the wait is what is tested): the frame after it is read whole.
        val reader = CompletableFuture.supplyAsync { transport.receiveBlocking() }
        Thread.sleep(600)
        peer.write(ByteBuffer.wrap(frame))
        reader.get(10, TimeUnit.SECONDS).envelope.size shouldBe 100
        // Its length and half its body, then nothing.
        peer.write(ByteBuffer.wrap(frame, 0, frame.size / 2))
        val error = shouldThrow<TransportClosedException> { transport.receiveBlocking() }
        error.message shouldContain "the peer left a frame unfinished for 0.3 s"
        transport.close()
        peer.close()
    }

    test("the stall limit is 60 s unless set, and a setting that is not a number of seconds is refused") {
        SocketChannelTransport.stallFromSettings() shouldBe 60_000_000_000L
        for ((value, nanos) in listOf("0" to 0L, "2.5" to 2_500_000_000L)) {
            System.setProperty(SocketChannelTransport.STALL_PROPERTY, value)
            try {
                SocketChannelTransport.stallFromSettings() shouldBe nanos
            } finally {
                System.clearProperty(SocketChannelTransport.STALL_PROPERTY)
            }
        }
        System.setProperty(SocketChannelTransport.STALL_PROPERTY, "a minute")
        try {
            shouldThrow<IllegalArgumentException> { SocketChannelTransport.stallFromSettings() }.message shouldContain "not a number of seconds"
        } finally {
            System.clearProperty(SocketChannelTransport.STALL_PROPERTY)
        }
    }

    test("a gathered write of a frame arrives as the same bytes toBytes() gives") {
        val (transport, peer) = pair()
        val frame = Frame("env".encodeToByteArray(), listOf(Random(3).nextBytes(300_000), byteArrayOf(9)))
        val expected = frame.toBytes()
        val received = ByteBuffer.allocate(expected.size)
        val reader = Thread { while (received.hasRemaining()) peer.read(received) }.also { it.start() }
        transport.sendBlocking(frame)
        reader.join()
        received.array().toList() shouldBe expected.toList()
        transport.close()
        peer.close()
    }

    test("announced lengths are checked before anything is allocated for them") {
        val (transport, peer) = pair(maxFrameSize = 1 shl 20)
        // A body of 64 bytes whose one attachment claims 2 GiB.
        val body = ByteBuffer.allocate(4 + 64).putInt(64).put(Frame.FRAME_KIND_ENVELOPE).putInt(0).putInt(1).putInt(Int.MAX_VALUE)
        peer.write(body.array().let { ByteBuffer.wrap(it) })
        shouldThrow<ExtraditeProtocolError> { transport.receiveBlocking() }.message shouldContain "attachments declare"
        val (second, secondPeer) = pair(maxFrameSize = 1 shl 20)
        secondPeer.write(ByteBuffer.allocate(4).putInt(Int.MAX_VALUE).flip())
        shouldThrow<ExtraditeProtocolError> { second.receiveBlocking() }.message shouldContain "maxFrameSize"
        listOf(transport, second).forEach { it.close() }
        listOf(peer, secondPeer).forEach { it.close() }
    }

    test("an interrupt ends the wait for a frame even while the reader spins, and the frame is then read whole") {
        // A budget of a minute: a spin that ignored the interrupt would outlast the test.
        val (transport, peer) = pair(spinNanos = 60_000_000_000L)
        val (reader, outcome) = spinningReader { transport.receiveInterruptibly() }
        reader.interrupt()
        outcome.get(10, TimeUnit.SECONDS).shouldBeInstanceOf<java.io.InterruptedIOException>()
        val frame = Frame("after".encodeToByteArray(), listOf(byteArrayOf(4, 5)))
        peer.write(ByteBuffer.wrap(frame.toBytes()))
        val received = transport.receiveBlocking()
        received.envelope.decodeToString() shouldBe "after"
        received.attachments.single().toList() shouldBe listOf<Byte>(4, 5)
        transport.close()
        peer.close()
    }

    test("a close from another thread while the reader spins ends its wait: the connection is closed") {
        val (transport, peer) = pair(spinNanos = 60_000_000_000L)
        val (_, outcome) = spinningReader { transport.receiveBlocking() }
        transport.close()
        val failure = outcome.get(10, TimeUnit.SECONDS)
        failure.shouldBeInstanceOf<TransportClosedException>()
        failure.message shouldContain "closed"
        peer.close()
    }

    /** Where the shared-memory tests make their directories; gone after the spec, whatever failed. */
    val sharedRoot = Files.createTempDirectory("shared")
    afterSpec { SharedMemory.deleteDirectory(sharedRoot) }

    /** Two transports connected to each other; [share] names the directory both use for their rings, as a session's two sides would. */
    fun connected(share: java.nio.file.Path?): Pair<SocketChannelTransport, SocketChannelTransport> {
        val (a, peer) = pair()
        val b = SocketChannelTransport(peer, 8 shl 20, 20_000)
        if (share != null) {
            a.shareMemory(share, 64 * 1024, "a.ring", "b.ring")
            b.shareMemory(share, 64 * 1024, "b.ring", "a.ring")
        }
        return a to b
    }

    /** Sends [frames] from [from] on a thread of its own (a full socket blocks it) while [to] receives and checks them in order. */
    fun exchange(from: SocketChannelTransport, to: SocketChannelTransport, frames: List<Frame>) {
        val sender = CompletableFuture.runAsync { frames.forEach(from::sendBlocking) }
        for (expected in frames) {
            val received = to.receiveBlocking()
            received.envelope.decodeToString() shouldBe expected.envelope.decodeToString()
            received.attachments.map { it.contentHashCode() to it.size } shouldBe expected.attachments.map { it.contentHashCode() to it.size }
        }
        sender.get(30, TimeUnit.SECONDS)
    }

    fun largeFrames(count: Int, seed: Int): List<Frame> = List(count) { i ->
        Frame("frame $i".encodeToByteArray(), listOf(byteArrayOf(i.toByte()), Random(seed + i).nextBytes(1 shl 20), Random(i).nextBytes(70_000)))
    }

    test("large attachments cross through shared memory both ways, in order with those that go by socket when the ring is full") {
        val directory = Files.createTempDirectory(sharedRoot, "both")
        val (a, b) = connected(directory)
        // Unread, three frames' large attachments (3.2 MiB) fill most of a's 4 MiB ring, so the
        // fourth frame's go by socket. The sender is on a thread of its own: it may block on a
        // full socket. Reading starts once it has sent all four or blocks, and finds them in order.
        val four = largeFrames(4, 100)
        val sender = Thread { four.forEach(a::sendBlocking) }.apply { isDaemon = true }
        sender.start()
        val deadline = System.nanoTime() + 10_000_000_000L
        while (sender.isAlive && sender.stackTrace.none { it.methodName == "await" }) {
            check(System.nanoTime() < deadline) { "the sender neither finished nor blocked" }
            Thread.yield()
        }
        Files.exists(directory.resolve("a.ring")) shouldBe true
        for (expected in four) b.receiveBlocking().attachments.map { it.toList() } shouldBe expected.attachments.map { it.toList() }
        sender.join(10_000)
        // Mapped by the receiver, the file is gone; its memory lives on in the two mappings.
        Files.exists(directory.resolve("a.ring")) shouldBe false
        exchange(a, b, largeFrames(12, 200))
        exchange(b, a, largeFrames(12, 300))
        Files.exists(directory.resolve("b.ring")) shouldBe false
        Files.list(directory).use { it.count() } shouldBe 0L
        a.close()
        b.close()
    }

    test("where a ring cannot be made, large attachments go by socket") {
        val missing = sharedRoot.resolve("missing")
        val (a, b) = connected(missing)
        exchange(a, b, largeFrames(3, 400))
        Files.exists(missing) shouldBe false
        a.close()
        b.close()
    }

    test("a frame that uses shared memory is refused by a receiver that was not told of it") {
        val directory = Files.createTempDirectory(sharedRoot, "untold")
        val (a, b) = connected(null)
        a.shareMemory(directory, 64 * 1024, "a.ring", "b.ring")
        a.sendBlocking(largeFrames(1, 500).single())
        shouldThrow<ExtraditeProtocolError> { b.receiveBlocking() }.message shouldContain "does not use"
        a.close()
        b.close()
    }

    test("shared attachments count against the maximum frame size on receipt too") {
        val directory = Files.createTempDirectory(sharedRoot, "limit")
        val (a, peer) = pair(maxFrameSize = 512 * 1024)
        val b = SocketChannelTransport(peer, 8 shl 20, 20_000)
        a.shareMemory(directory, 64 * 1024, "a.ring", "b.ring")
        b.shareMemory(directory, 64 * 1024, "b.ring", "a.ring")
        // b may send what a refuses: 1 MiB in shared memory, with a few bytes on the socket.
        b.sendBlocking(Frame("big".encodeToByteArray(), listOf(ByteArray(1 shl 20))))
        shouldThrow<ExtraditeProtocolError> { a.receiveBlocking() }.message shouldContain "the most is"
        a.close()
        b.close()
    }

    test("after close, a frame whose attachment is in the ring is not read from the unmapped memory: the connection is closed") {
        val directory = Files.createTempDirectory(sharedRoot, "closed")
        val (a, b) = connected(directory)
        // Both frames are written before the first read, which takes in both of their small
        // socket parts: the second is then parsed from the buffer, after the ring was unmapped.
        val two = largeFrames(2, 600)
        two.forEach(a::sendBlocking)
        b.receiveBlocking().attachments[1].toList() shouldBe two[0].attachments[1].toList()
        b.close()
        val failure = shouldThrow<TransportClosedException> { b.receiveBlocking() }
        failure.cause.shouldBeInstanceOf<java.io.IOException>().message shouldContain "ring was closed"
        a.close()
    }
})
