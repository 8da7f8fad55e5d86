@file:OptIn(InternalExtraditeApi::class)

package dev.extradite.internal.session

import dev.extradite.ExtraditeProtocolError
import dev.extradite.InternalExtraditeApi
import dev.extradite.internal.transport.SocketChannelTransport
import dev.extradite.internal.transport.connectedChannels
import dev.extradite.internal.wire.Envelope
import dev.extradite.internal.wire.ErrorEnvelope
import dev.extradite.internal.wire.EnvelopeCodec
import dev.extradite.internal.wire.Message
import dev.extradite.internal.wire.Operation
import dev.extradite.internal.wire.Outcome
import dev.extradite.internal.wire.Receiver
import dev.extradite.internal.wire.Side
import dev.extradite.internal.wire.WireValue
import io.kotest.assertions.fail
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.shouldNotBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.types.shouldBeInstanceOf
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Job
import java.util.concurrent.CompletableFuture
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit
import java.util.concurrent.TimeoutException
import java.util.concurrent.atomic.AtomicInteger
import kotlin.coroutines.CoroutineContext

/** A host-side [Session] driven frame by frame from a raw peer transport on a real Unix socket. */
class SessionSpec : FunSpec({
    /**
     * A host session on a real socket whose requests' coroutines are held until the test runs
     * them, allowing [maxPeerRequests], and answering with [handle]; [body] gets it, the peer's
     * end and the held requests. Anything else the session hands its dispatcher (a fresh reader,
     * when the watchdog finds the reader slow; it has no Job) runs at once on a thread of its own.
     */
    suspend fun withHeldRequests(
        maxPeerRequests: Int = Int.MAX_VALUE,
        handle: (Envelope.Request) -> Outcome = { fail("no request may run") },
        body: suspend (Session, SocketChannelTransport, LinkedBlockingQueue<Runnable>) -> Unit,
    ) {
        val (accepted, connecting) = connectedChannels()
        val peer = SocketChannelTransport(connecting, 8 shl 20, 0)
        val held = LinkedBlockingQueue<Runnable>()
        val gate = object : CoroutineDispatcher() {
            override fun dispatch(context: CoroutineContext, block: Runnable) {
                if (context[Job] != null) held.add(block) else Thread(block, "session-spec-reader").apply { isDaemon = true }.start()
            }
        }
        val session = Session(
            Side.HOST, SocketChannelTransport(accepted, 8 shl 20, 0), 8 shl 20, Dispatchers.IO, gate, "session-spec", maxPeerRequests,
        ) { it as? ExtraditeProtocolError ?: ExtraditeProtocolError("the test's session ended: $it") }
        session.start(object : RequestHandler {
            override fun handle(request: Envelope.Request, attachments: List<ByteArray>): Outcome = handle(request)

            override fun release(ids: List<Long>, counts: List<Int>) = Unit
        })
        try {
            body(session, peer, held)
        } finally {
            session.close(IllegalStateException("the test is over"))
            peer.close()
        }
    }

    test("a request cancelled before it ran releases the handles the peer lent in its arguments") {
        val handled = AtomicInteger()
        // The requests' coroutines wait until the test runs them, so a cancel can come first.
        withHeldRequests(handle = { request -> handled.incrementAndGet(); Message(Envelope.Response(request.id, WireValue.Null)) }) { _, peer, held ->
            val lent = WireValue.Ref(Side.CHILD, 42, "com.example.Lent")
            fun request(id: Long, args: List<WireValue>) =
                peer.sendBlocking(EnvelopeCodec.encode(Message(Envelope.Request(id, 1, Operation.Invoke(Receiver.Handle(7), "accept", args)))))
            request(1, listOf(lent, WireValue.ListOf(listOf(WireValue.I32(1), lent))))
            peer.sendBlocking(EnvelopeCodec.encode(Message(Envelope.Cancel(1))))
            // The session reads in order: once request 2 is queued, the cancel of 1 has been handled.
            request(2, emptyList())
            val first = held.poll(10, TimeUnit.SECONDS)
            val second = held.poll(10, TimeUnit.SECONDS)
            first shouldNotBe null
            second shouldNotBe null
            first!!.run()
            second!!.run()

            // Request 1 never ran; its two sends of handle 42 are released. Request 2 is answered.
            val seen = CompletableFuture.supplyAsync {
                var released = 0
                var answered = false
                while (released < 2 || !answered) {
                    when (val envelope = EnvelopeCodec.decode(peer.receiveBlocking()).envelope) {
                        is Envelope.Release -> envelope.ids.zip(envelope.counts).forEach { (id, count) -> if (id == 42L) released += count }
                        is Envelope.Response -> answered = envelope.id == 2L
                        else -> error("unexpected $envelope")
                    }
                }
                released
            }
            val released = try {
                seen.get(10, TimeUnit.SECONDS)
            } catch (e: TimeoutException) {
                fail("in 10 s the session neither released both sends of handle 42 nor answered request 2")
            }
            released shouldBe 2
            handled.get() shouldBe 1
        }
    }

    fun SocketChannelTransport.request(id: Long) =
        sendBlocking(EnvelopeCodec.encode(Message(Envelope.Request(id, id, Operation.Invoke(Receiver.Handle(7), "accept", emptyList())))))

    test("a peer with more requests served or waiting at once than the session allows is cut off, naming the limit") {
        withHeldRequests(maxPeerRequests = 8) { session, peer, held ->
            for (id in 1L..8L) peer.request(id)
            // Eight held: the session is still open.
            for (i in 1..8) held.poll(10, TimeUnit.SECONDS) shouldNotBe null
            session.closed.isDone shouldBe false
            peer.request(9)
            val error = session.closed.get(10, TimeUnit.SECONDS)
            error.shouldBeInstanceOf<ExtraditeProtocolError>()
            error.message shouldContain "more than 8 requests"
        }
    }

    test("a peer that sends a request id again while the first is still served is cut off, and cannot slip past the limit so") {
        withHeldRequests(maxPeerRequests = 8) { session, peer, held ->
            peer.request(1)
            held.poll(10, TimeUnit.SECONDS) shouldNotBe null
            peer.request(1)
            session.closed.get(10, TimeUnit.SECONDS).message shouldContain "sent request 1 again while it was still being served"
        }
    }

    test("a reply that cannot be encoded answers its call with a failure, and the session goes on") {
        val (accepted, connecting) = connectedChannels()
        val peer = SocketChannelTransport(connecting, 8 shl 20, 0)
        val session = Session(
            Side.HOST, SocketChannelTransport(accepted, 8 shl 20, 0), 8 shl 20, Dispatchers.IO, Dispatchers.IO, "session-spec",
        ) { ExtraditeProtocolError("the test's session ended: $it") }
        session.start(object : RequestHandler {
            override fun handle(request: Envelope.Request, attachments: List<ByteArray>): Outcome {
                // Request 1's reply nests too deeply for any encoder's stack (no real value can:
                // the value encoder refuses them); request 2's is plain.
                val value = if (request.id == 1L) (1..200_000).fold<Int, WireValue>(WireValue.Null) { inner, _ -> WireValue.ListOf(listOf(inner)) } else WireValue.I32(2)
                return Message(Envelope.Response(request.id, value))
            }

            override fun release(ids: List<Long>, counts: List<Int>) = Unit
        })
        try {
            for (id in 1L..2L) {
                peer.sendBlocking(EnvelopeCodec.encode(Message(Envelope.Request(id, id, Operation.Invoke(Receiver.Handle(7), "answer", emptyList())))))
            }
            val replies = CompletableFuture.supplyAsync { List(2) { EnvelopeCodec.decode(peer.receiveBlocking()).envelope }.sortedBy { (it as? Envelope.Failure)?.id ?: (it as Envelope.Response).id } }
            val (first, second) = replies.get(30, TimeUnit.SECONDS)
            first.shouldBeInstanceOf<Envelope.Failure>().error.shouldBeInstanceOf<ErrorEnvelope.Protocol>().message shouldContain "the host could not encode its reply to request 1"
            second shouldBe Envelope.Response(2, WireValue.I32(2))
            session.closed.isDone shouldBe false
        } finally {
            session.close(IllegalStateException("the test is over"))
            peer.close()
        }
    }
})
