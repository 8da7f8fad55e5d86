@file:OptIn(InternalExtraditeApi::class)

package dev.extradite.internal.session

import dev.extradite.ExtraditeException
import dev.extradite.ExtraditeProtocolError
import dev.extradite.InternalExtraditeApi
import dev.extradite.internal.transport.BlockingFrameTransport
import dev.extradite.internal.transport.FrameTransport
import dev.extradite.internal.wire.Envelope
import dev.extradite.internal.wire.EnvelopeCodec
import dev.extradite.internal.wire.ErrorEnvelope
import dev.extradite.internal.wire.Frame
import dev.extradite.internal.wire.Message
import dev.extradite.internal.wire.Operation
import dev.extradite.internal.wire.Outcome
import dev.extradite.internal.wire.Side
import dev.extradite.internal.wire.Suspending
import dev.extradite.internal.wire.WireValue
import kotlinx.coroutines.CompletableJob
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.ThreadContextElement
import kotlinx.coroutines.cancel
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.yield
import java.util.concurrent.CancellationException
import java.util.concurrent.CompletableFuture
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.ExecutionException
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicLong
import java.util.concurrent.atomic.AtomicReference
import kotlin.coroutines.Continuation
import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.EmptyCoroutineContext
import kotlin.coroutines.intrinsics.COROUTINE_SUSPENDED
import kotlin.coroutines.intrinsics.startCoroutineUninterceptedOrReturn

/** Serves the requests the peer sends to this side. */
@InternalExtraditeApi
public interface RequestHandler {
    /**
     * Carries out [request] on this thread and returns its reply, a [Envelope.Response] message;
     * or, when a member it calls is a suspend function, [Suspending] with the rest of the request
     * (from that call on) to run as a coroutine. What it throws is the request's failure.
     */
    public fun handle(request: Envelope.Request, attachments: List<ByteArray>): Outcome

    /** The peer no longer uses these handles of ours; [counts] are the sends it received of each. */
    public fun release(ids: List<Long>, counts: List<Int>)
}

/**
 * The runtime both sides share over one connection: request correlation, the reader and writer
 * coroutines, and dispatch of the peer's requests to a [RequestHandler].
 *
 * Lifecycle: created, [start]ed once, then open until [close] or until the connection ends;
 * after that every pending and later [request] fails with the close cause. Thread safe: any
 * thread may call [request] and [send].
 *
 * Call chains: every request carries the id of the call chain it belongs to, a logical call
 * stack that may cross between the processes many times. A thread serving a request of chain C
 * makes its own calls in chain C; a thread that is not serving anything starts a new chain. A
 * thread blocked in [callBlocking] runs the nested requests of its chain itself (see
 * [ChainWaiter]); every other request runs on the handler dispatcher.
 *
 * @param handlerDispatcher where the peer's requests run; target code may block there, so it
 *   must not be the dispatcher of the reader.
 * @param maxPeerRequests the most of the peer's requests served or waiting at once; one more
 *   closes the session. The host bounds its child's, each of which may take a thread of its own.
 * @param describeClose turns the reason the connection ended into the error pending calls see
 *   (the host reports a dead child with its exit code and stderr here).
 */
@InternalExtraditeApi
public class Session(
    private val side: Side,
    private val transport: FrameTransport,
    private val maxFrameSize: Int,
    ioDispatcher: CoroutineDispatcher,
    private val handlerDispatcher: CoroutineDispatcher,
    private val name: String,
    private val maxPeerRequests: Int = Int.MAX_VALUE,
    private val describeClose: (Throwable) -> ExtraditeException,
) {
    /** Owns every coroutine of this session; cancelled by [close]. */
    public val scope: CoroutineScope = CoroutineScope(SupervisorJob() + ioDispatcher + CoroutineName(name))

    /**
     * [scope] on [handlerDispatcher], built once: a request's coroutine then adds only its
     * [RunningRequest] to a ready context (composing the context per request was a third of
     * the child's CPU per call, measured with JFR in session 3).
     */
    private val requestScope = CoroutineScope(scope.coroutineContext + handlerDispatcher)

    /**
     * What the coroutine of a request served on its reader runs in, once the request calls a
     * suspend function (see [continueAsCoroutine]), less its own job and [RunningRequest]. Its job
     * has no parent, so that starting and ending it touch nothing shared; [close] cancels the jobs
     * of the requests still running instead.
     */
    private val requestContext: CoroutineContext = handlerDispatcher + CoroutineName(name)
    private val outgoing = Channel<ByteArray>(Channel.UNLIMITED)
    private val pending = ConcurrentHashMap<Long, CompletableFuture<Message>>()
    private val ids = AtomicLong()
    private val closeCause = AtomicReference<ExtraditeException?>(null)
    private val chainIds = AtomicLong()
    private val chainBit = if (side == Side.HOST) 0L else 1L
    private val peerSide = if (side == Side.HOST) Side.CHILD else Side.HOST
    private val currentChain = ThreadLocal<Long?>()
    private val threadWaiter = ThreadLocal.withInitial { ChainWaiter() }
    private val waiters = ConcurrentHashMap<Long, ChainWaiter>()
    private val releases = ConcurrentLinkedQueue<Pair<Long, Int>>()
    private val releaseScheduled = AtomicBoolean(false)
    private val running = ConcurrentHashMap<Long, RunningRequest>()
    private var handler: RequestHandler? = null

    /**
     * The reader's turn: even while it reads, odd while it handles the frame it read (serving a
     * request inline, completing a reply). Whoever moves it from odd to even first decides: the
     * reader, to read on, or [promoteReader], to hand reading to a fresh reader.
     */
    private val readerTurn = AtomicLong()

    /** The turn the reader handles on this thread, or null when this thread is not the reader. */
    private val readingTurn = ThreadLocal<Long?>()

    /**
     * On the host, the odd turn the last reader left when it stopped reading because nothing was
     * pending: the next blocking caller takes it and reads its own reply; a non-blocking call, or
     * the watchdog after a tick, starts a reader instead.
     */
    private val idleTurnMax = AtomicLong(-1)

    /** Turns only grow: a reader that stopped late never hides a later idle turn. */
    private var idleTurn: Long
        get() = idleTurnMax.get()
        set(value) {
            idleTurnMax.accumulateAndGet(value, ::maxOf)
        }

    /** True on a thread while it sends the request of a blocking call. */
    private val blockingSend = ThreadLocal.withInitial { false }

    /** The future of a request whose caller waits for the reply on its thread (in [callBlocking]). */
    private class BlockingReply : CompletableFuture<Message>()

    /** Only the watchdog touches this: the odd turn it saw last tick. */
    internal var turnSeenByWatchdog: Long = -1

    /** Completes when the session has closed, with the error pending calls saw. */
    public val closed: CompletableFuture<ExtraditeException> = CompletableFuture()

    public val isOpen: Boolean get() = closeCause.get() == null

    private val blocking = transport as? BlockingFrameTransport
    private val servesOnReader = blocking != null && side == Side.CHILD

    /**
     * Starts reading; the peer's requests go to [handler]. A [BlockingFrameTransport] is written on
     * the caller's thread and read by one thread at a time (see [readerTurn]): a reader thread, or
     * a caller reading its own reply; any other transport by a reader and a writer coroutine.
     */
    public fun start(handler: RequestHandler) {
        if (blocking != null) {
            this.handler = handler
            ReaderWatchdog.watch(this)
            if (!isOpen) ReaderWatchdog.unwatch(this)
            Thread({ readLoop(blocking) }, "$name-reader").apply { isDaemon = true }.start()
            return
        }
        scope.launch(CoroutineName("extradite-writer")) {
            try {
                for (frame in outgoing) transport.send(frame)
            } catch (e: Throwable) {
                close(e)
            }
        }
        scope.launch(CoroutineName("extradite-reader")) {
            try {
                while (true) dispatch(EnvelopeCodec.decode(transport.receive()), handler)
            } catch (e: Throwable) {
                close(e)
            }
        }
    }

    /**
     * Sends [op] as a new request of call chain [chain] and returns the future of its reply
     * message. Fails at once with [ExtraditeProtocolError] when the encoded request exceeds the
     * maximum frame size (the session stays usable), or with the close cause when closed.
     */
    public fun request(op: Operation, attachments: List<ByteArray>, chain: Long = newChain()): CompletableFuture<Message> {
        val id = ids.incrementAndGet()
        val frame = EnvelopeCodec.encode(Message(Envelope.Request(id, chain, op), attachments))
        if (frame.bodySize > maxFrameSize) {
            throw ExtraditeProtocolError(
                "the request is ${frame.bodySize} bytes, larger than maxFrameSize ($maxFrameSize bytes); send less per call or raise maxFrameSize(...)",
            )
        }
        val callerBlocks = blockingSend.get()
        val future = if (callerBlocks) BlockingReply() else CompletableFuture<Message>()
        pending[id] = future
        // A caller that gives up (a cancelled coroutine, a cancelled future, an interrupted
        // thread) cancels the remote work too.
        future.whenComplete { _, error ->
            if (error is CancellationException && pending.remove(id) != null && isOpen) send(Message(Envelope.Cancel(id)))
        }
        // Registered before the close check, so a close racing this call either sees the entry
        // and fails it, or has already set the cause we read here: no call is left hanging.
        val cause = closeCause.get()
        if (cause != null || !write(frame)) {
            pending.remove(id)
            future.completeExceptionally(cause ?: closeCause.get() ?: ExtraditeProtocolError("the session is closed"))
        } else if (!callerBlocks) {
            // Nobody waits on a thread for this reply: make sure a reader is reading.
            val turn = readerTurn.get()
            // Also when this very thread is the reader: it may wait for this reply in a way
            // (Future.get, runBlocking) that reads nothing.
            if (!servesOnReader && (turn == idleTurn || readingTurn.get() == turn)) promoteReader(turn)
        }
        return future
    }

    /**
     * Sends a one-way message (a reply or a release); dropped once closed. A reply too large
     * for a frame, or one that cannot be encoded, is replaced by a failure the caller can act on,
     * and the session stays usable.
     */
    public fun send(message: Message) {
        var frame = try {
            EnvelopeCodec.encode(message)
        } catch (e: Throwable) {
            // A caller waits for every reply: one that cannot be encoded (out of memory, a security
            // manager the target installed refusing the codec's reflection) still answers it.
            val id = replyId(message) ?: throw e
            try {
                failureFrame(
                    id,
                    "the ${side.name.lowercase()} could not encode its reply to request $id ($e); if the result is large, return less per call " +
                        "or give that JVM more memory",
                )
            } catch (again: Throwable) {
                close(again)
                return
            }
        }
        if (frame.bodySize > maxFrameSize) {
            val id = replyId(message)
                ?: throw ExtraditeProtocolError("a ${message.envelope::class.simpleName} of ${frame.bodySize} bytes exceeds maxFrameSize ($maxFrameSize bytes)")
            frame = failureFrame(id, "the result is ${frame.bodySize} bytes, larger than maxFrameSize ($maxFrameSize bytes); return less per call or raise maxFrameSize(...)")
        }
        write(frame)
    }

    /** The frame of a protocol failure, [message], that answers request [id] in place of a reply that cannot go out. */
    private fun failureFrame(id: Long, message: String): Frame = EnvelopeCodec.encode(Message(Envelope.Failure(id, ErrorEnvelope.Protocol(message))))

    /** Writes a frame on this thread (blocking transport) or hands it to the writer; false once closed. */
    private fun write(frame: Frame): Boolean {
        if (blocking == null) return outgoing.trySend(frame.toBytes()).isSuccess
        if (!isOpen) return false
        return try {
            blocking.sendBlocking(frame)
            true
        } catch (e: Exception) {
            close(e)
            false
        }
    }

    /** A new call chain, for calls that do not block a thread (suspend and asynchronous calls). */
    public fun newChain(): Long = chainIds.incrementAndGet() * 2 + chainBit

    /**
     * Sends a request through [send] (given the chain) and blocks this thread for its reply,
     * running the nested requests of the same call chain that arrive meanwhile. The chain is the
     * one this thread serves, else a new one; the thread is registered as the chain's waiter
     * before the request goes out, so a nested request can never miss it. Raises the failure of
     * the reply as thrown; an interrupt cancels the request and ends the wait with a
     * [CancellationException] (the interrupt flag stays set).
     */
    public fun <T> callBlocking(send: (chain: Long) -> CompletableFuture<T>): T {
        // On the socket transport a caller reads its own reply when it can, with no hand-off:
        // the reader itself (a target served on the child's reader calls back; a completion
        // handler on the host's reader calls), or, on the host, any caller while nobody reads.
        val handlingTurn = readingTurn.get()
        val chain = currentChain.get() ?: newChain()
        val waiter = threadWaiter.get()
        val registered = waiters.putIfAbsent(chain, waiter) == null
        if (registered) waiter.open()
        val previousChain = currentChain.get()
        currentChain.set(chain)
        var future: CompletableFuture<T>? = null
        try {
            val wasBlockingSend = blockingSend.get()
            blockingSend.set(true)
            val sent = try {
                send(chain)
            } finally {
                blockingSend.set(wasBlockingSend)
            }
            future = sent
            sent.whenComplete { _, _ -> waiter.wake() }
            val turn = handlingTurn ?: readerTurn.get().takeIf { !servesOnReader && blocking != null && it == idleTurn }
            if (turn != null) readOwnReply(sent, waiter, turn, isReader = handlingTurn != null)
            waiter.serveUntil { sent.isDone }
        } catch (e: InterruptedException) {
            Thread.currentThread().interrupt()
            future?.cancel(false)
            throw CancellationException("interrupted while waiting for the peer").also { it.initCause(e) }
        } finally {
            currentChain.set(previousChain)
            if (registered) {
                waiters.remove(chain, waiter)
                // Requests routed here after our reply arrived run on the handler dispatcher instead.
                for (task in waiter.close()) scope.launch(handlerDispatcher) { task.run() }
            }
        }
        return try {
            future!!.get()
        } catch (e: ExecutionException) {
            throw e.cause ?: e
        }
    }

    /** Queues the release of a peer's handle; releases go out batched, a frame for many. */
    public fun release(id: Long, count: Int) {
        if (!isOpen) return
        releases.add(id to count)
        if (releaseScheduled.compareAndSet(false, true)) {
            scope.launch {
                yield()
                releaseScheduled.set(false)
                val ids = ArrayList<Long>()
                val counts = ArrayList<Int>()
                while (true) {
                    val (id, count) = releases.poll() ?: break
                    ids += id
                    counts += count
                }
                if (ids.isNotEmpty()) send(Message(Envelope.Release(ids, counts)))
            }
        }
    }

    /**
     * A reply whose caller gave up (a timeout, a cancel, an interrupt), or a request cancelled
     * before it ran, is never decoded, so the peer's handles in it would never be released: the
     * peer would keep their objects for the session's life. Each one it lent is released here
     * instead. Depth is bounded as in decoding.
     */
    private fun releaseUnread(value: WireValue, depth: Int) {
        if (depth > MAX_UNREAD_DEPTH) return
        val items = when (value) {
            is WireValue.Ref -> {
                if (value.owner == peerSide) release(value.id, 1)
                return
            }
            is WireValue.ListOf -> value.items
            is WireValue.SetOf -> value.items
            is WireValue.ObjectArray -> value.items
            is WireValue.RecordOf -> value.components
            is WireValue.Named -> listOf(value.value)
            is WireValue.MapOf -> value.keys + value.values
            else -> return
        }
        for (item in items) releaseUnread(item, depth + 1)
    }

    /** [releaseUnread] for every value in the arguments of a request that never ran. */
    private fun releaseUnread(op: Operation) {
        val values = when (op) {
            is Operation.New -> op.args
            is Operation.Invoke -> op.args
            is Operation.Batch -> op.calls.flatten()
            is Operation.Set -> listOf(op.value)
            is Operation.LoadClass, is Operation.Get, Operation.Stats -> emptyList()
        }
        for (value in values) releaseUnread(value, 1)
    }

    /** A [RunningRequest] for [message] when it is a request, entered in [running] before it is dispatched. */
    private fun registerRunning(message: Message): RunningRequest? = (message.envelope as? Envelope.Request)?.let(::register)

    private fun register(request: Envelope.Request): RunningRequest {
        // A peer that sends request after request and reads no replies would otherwise take as
        // many threads as the host's pool can make.
        if (running.size >= maxPeerRequests) {
            cutOff(
                "the ${peerSide.name.lowercase()} sent more than $maxPeerRequests requests that are served or waiting at once; " +
                    "session $name is closed. A target that calls back from that many threads at once needs fewer of them.",
            )
        }
        val entry = RunningRequest(request.chain, currentChain)
        // Ids are never reused: one still in [running] again would take a thread uncounted, and
        // the first request could no longer be cancelled.
        if (running.putIfAbsent(request.id, entry) != null) {
            cutOff("the ${peerSide.name.lowercase()} sent request ${request.id} again while it was still being served; session $name is closed")
        }
        return entry
    }

    /** Closes the session for a peer that broke the protocol as [message] says, and throws that. */
    private fun cutOff(message: String): Nothing {
        val error = ExtraditeProtocolError(message)
        close(error)
        throw error
    }

    /**
     * Routes one message; a request's [RunningRequest] may be [registered] already. [nested]: read
     * by a thread waiting in a call of its own, which must not run other chains' requests itself.
     */
    private fun dispatch(message: Message, handler: RequestHandler, registered: RunningRequest? = null, nested: Boolean = false) {
        when (val envelope = message.envelope) {
            is Envelope.Response -> pending.remove(envelope.id)?.complete(message) ?: releaseUnread(envelope.value, 0)
            is Envelope.Failure -> pending.remove(envelope.id)?.complete(message)
            is Envelope.Request -> {
                val running = registered ?: register(envelope)
                val waiter = waiters[envelope.chain]
                val routed = waiter != null && waiter.offer(Runnable { serveInline(envelope, message.attachments, handler, running) })
                if (!routed) {
                    // In the child, on a blocking transport, the reader runs the request itself until
                    // it calls a suspend function (most never do): no hand-off to another thread. A
                    // request that runs long has its reader replaced (see ReaderWatchdog). The host
                    // hands requests to its pool: its callbacks are application code, which may
                    // wait for a reply in ways (runBlocking, Future.get) the reader cannot see.
                    if (servesOnReader && !nested) {
                        serveOnReader(envelope, message.attachments, handler, running)
                    } else {
                        val job = requestScope.launch(running) { send(serve(envelope, message.attachments, handler, running)) }
                        running.attach(job)
                        // A job cancelled before it started never runs serve(), which would forget
                        // it and decode the handles the peer lent in its arguments: both are done here.
                        job.invokeOnCompletion { if (this.running.remove(envelope.id, running)) releaseUnread(envelope.op) }
                    }
                }
            }
            is Envelope.Cancel -> running[envelope.id]?.cancel()
            is Envelope.Release -> {
                if (envelope.ids.size != envelope.counts.size) throw ExtraditeProtocolError("a release with ${envelope.ids.size} ids but ${envelope.counts.size} counts")
                handler.release(envelope.ids, envelope.counts)
            }
            is Envelope.Hello, is Envelope.Welcome, is Envelope.Refused ->
                throw ExtraditeProtocolError("the peer sent a ${envelope::class.simpleName} after the handshake")
        }
    }

    /**
     * Reads and handles frames until the connection ends, or until this reader was replaced while
     * it handled one (then its replacement reads on).
     */
    private fun readLoop(transport: BlockingFrameTransport) {
        val handler = handler!!
        try {
            while (true) {
                val message = EnvelopeCodec.decode(transport.receiveBlocking())
                // A request is registered while this reader still reads (its turn even, so it
                // cannot be replaced yet): a cancel read by a replacement always finds it.
                val registered = registerRunning(message)
                val replyToBlockedCaller = replyId(message)?.let { pending[it] is BlockingReply } ?: false
                // An interrupt left by the last request's own code must not reach the next one.
                Thread.interrupted()
                takeTurn()
                // The turn may move on while the frame is handled: a request served here that
                // calls back reads the frames of its call in place (readInPlace).
                val handled = try {
                    dispatch(message, handler, registered)
                    readingTurn.get()
                } finally {
                    readingTurn.set(null)
                }
                if (handled == null) return
                if (!servesOnReader && replyToBlockedCaller && pending.isEmpty()) {
                    // The host: the caller just woken will most likely call again; let it read
                    // its own reply then (see callBlocking), rather than waking it from here.
                    idleTurn = handled
                    // A call sent meanwhile either saw idleTurn (and takes the turn) or is seen
                    // here (and this reader reads on, unless its caller took the turn first).
                    if (pending.isEmpty()) return
                }
                if (!readerTurn.compareAndSet(handled, handled + 1)) return
            }
        } catch (e: Throwable) {
            close(e)
        }
    }

    /** This reader is done reading the frame it read: the turn goes odd (handling) on this thread. */
    private fun takeTurn(): Long {
        val turn = readerTurn.incrementAndGet()
        ReaderWatchdog.handling()
        readingTurn.set(turn)
        return turn
    }

    /**
     * A blocking call reads its own reply from [turn]: the reader itself ([isReader]: a child
     * target or a host completion handler calling), or a host caller that took the idle turn.
     * Afterwards reading goes on elsewhere when other calls are pending; a host caller that is not
     * a reader leaves the turn idle for the next caller.
     */
    private fun readOwnReply(reply: CompletableFuture<*>, waiter: ChainWaiter, turn: Long, isReader: Boolean) {
        if (!isReader) readingTurn.set(turn)
        val last = try {
            readInPlace(reply, waiter, turn)
        } catch (e: Throwable) {
            // Leaving abnormally while holding the turn: a fresh reader reads on.
            if (!isReader) readingTurn.get()?.let { held ->
                readingTurn.set(null)
                promoteReader(held)
            }
            throw e
        } ?: return
        if (!reply.isDone) return
        if (pending.isNotEmpty()) {
            // Other calls wait for replies: a reader must read on while this thread goes on.
            readingTurn.set(null)
            promoteReader(last)
        } else if (!isReader) {
            // A caller on the host, not a reader: nothing pending, nobody reads; the next caller
            // takes the turn (or a non-blocking call or the watchdog starts a reader).
            readingTurn.set(null)
            idleTurn = last
            if (pending.isNotEmpty()) promoteReader(last)
        }
    }

    /**
     * Reads as the reader, from the odd [handlingTurn], until [reply] is done, with no hand-off:
     * it runs the nested requests of its chain as they arrive (they may call back and read in
     * place in turn) and sends every other request to the pool. Returns the turn it handles then,
     * or null when it was replaced (a nested request ran long) or the connection ended, leaving
     * the rest to [ChainWaiter.serveUntil]; throws InterruptedException when interrupted.
     */
    private fun readInPlace(reply: CompletableFuture<*>, waiter: ChainWaiter, handlingTurn: Long): Long? {
        val transport = blocking ?: return null
        val handler = handler ?: return null
        var turn = handlingTurn
        while (!reply.isDone) {
            // An interrupt (a cancel of the request this thread serves, or the caller's own) ends
            // the wait before anything more is read; a reply already in is kept.
            if (Thread.interrupted()) {
                // Cancelled: stop reading here, a fresh reader reads on.
                readingTurn.set(null)
                promoteReader(turn)
                throw InterruptedException("the call was cancelled")
            }
            if (!readerTurn.compareAndSet(turn, turn + 1)) {
                readingTurn.set(null)
                return null
            }
            val message = try {
                EnvelopeCodec.decode(transport.receiveInterruptibly())
            } catch (e: java.io.InterruptedIOException) {
                // Interrupted before a frame began: hand reading to a fresh reader, then end the wait.
                readingTurn.set(null)
                promoteReader(readerTurn.incrementAndGet())
                throw InterruptedException("the call was cancelled")
            } catch (e: Throwable) {
                readingTurn.set(null)
                close(e)
                return null
            }
            val registered = registerRunning(message)
            turn = takeTurn()
            try {
                dispatch(message, handler, registered, nested = true)
            } catch (e: Throwable) {
                close(e)
            }
            waiter.runQueued()
            // A nested request's callback may itself have read on and left a later turn.
            turn = readingTurn.get() ?: return null
        }
        return turn
    }

    private fun replyId(message: Message): Long? = when (val envelope = message.envelope) {
        is Envelope.Response -> envelope.id
        is Envelope.Failure -> envelope.id
        else -> null
    }

    /**
     * Hands reading to a fresh reader when the reader is still handling [turn]: it blocks in a
     * call of its own, or its request runs long. True when this call replaced it.
     */
    internal fun promoteReader(turn: Long): Boolean {
        if (!readerTurn.compareAndSet(turn, turn + 1)) return false
        val transport = blocking ?: return false
        try {
            if (isOpen) handlerDispatcher.dispatch(EmptyCoroutineContext, Runnable { readLoop(transport) })
        } catch (e: Throwable) {
            // No reader could be started (no thread left?): nobody would read, so end the session.
            close(e)
        }
        return true
    }

    /** The reader's current turn, for [ReaderWatchdog]: odd while it handles a frame. */
    internal fun currentReaderTurn(): Long = readerTurn.get()

    /**
     * Closes the session: fails every pending call with [describeClose] of [reason], cancels the
     * session's coroutines and closes the connection. Idempotent; the first reason wins.
     */
    public fun close(reason: Throwable) {
        val error = if (reason is ExtraditeException && reason !is ExtraditeProtocolError) reason else describeClose(reason)
        if (!closeCause.compareAndSet(null, error)) return
        ReaderWatchdog.unwatch(this)
        outgoing.close()
        transport.close()
        for (id in pending.keys.toList()) pending.remove(id)?.completeExceptionally(error)
        closed.complete(error)
        scope.cancel()
        for (request in running.values) request.cancelJob()
    }

    /**
     * Serves [request] on this thread as a plain call, and sends its reply. Most requests end
     * there; one that calls a suspend function goes on as a coroutine (see [continueAsCoroutine]).
     *
     * Why not a coroutine per request (`launch(start = UNDISPATCHED)` does the same): building a
     * coroutine, its context, job and completion per request was, while the JVM still interprets
     * (the first thousands of calls of a child), 41 % of a child's time per call (JFR, session 3);
     * its context and job alone were still a tenth of it in session 4.
     */
    private fun serveOnReader(request: Envelope.Request, attachments: List<ByteArray>, handler: RequestHandler, running: RunningRequest) {
        val outcome = handleOnThisThread(request, attachments, handler, running)
        if (outcome is Suspending) {
            continueAsCoroutine(request.id, outcome, running)
            return
        }
        this.running.remove(request.id, running)
        sendFromReader(outcome as Message)
    }

    /**
     * [RequestHandler.handle] on this thread, in [running]'s call chain and reachable by its
     * cancel; a failure becomes the failure reply.
     */
    private fun handleOnThisThread(request: Envelope.Request, attachments: List<ByteArray>, handler: RequestHandler, running: RunningRequest): Outcome {
        val previousChain = running.updateThreadContext(EmptyCoroutineContext)
        return try {
            handler.handle(request, attachments)
        } catch (e: Throwable) {
            failureOf(request.id, e)
        } finally {
            running.restoreThreadContext(EmptyCoroutineContext, previousChain)
        }
    }

    /**
     * Runs the rest of a request that calls a suspend function as a coroutine, from this thread
     * until it first suspends, then on the handler dispatcher, under a [Job] of its own that a
     * cancel reaches through [running]; it is answered when it ends.
     */
    private fun continueAsCoroutine(id: Long, outcome: Suspending, running: RunningRequest) {
        val job = Job()
        running.attach(job)
        // close() cancels the jobs it finds in [running]; one attached after it looked is cancelled here.
        if (!isOpen) job.cancel()
        val reply = Reply(id, requestContext + running + job, job)
        val previousChain = running.updateThreadContext(reply.context)
        val result = try {
            suspend { replyOf(id, running) { outcome.rest() } }.startCoroutineUninterceptedOrReturn(reply)
        } catch (e: Throwable) {
            failureOf(id, e)
        } finally {
            running.restoreThreadContext(reply.context, previousChain)
        }
        if (result !== COROUTINE_SUSPENDED) reply.resumeWith(Result.success(result as Message))
    }

    /** Where a request served on the reader as a coroutine ends: its job is completed and its reply sent. */
    private inner class Reply(private val id: Long, override val context: CoroutineContext, private val job: CompletableJob) : Continuation<Message> {
        override fun resumeWith(result: Result<Message>) {
            job.complete()
            sendFromReader(result.getOrElse { failureOf(id, it) })
        }
    }

    /**
     * Sends the reply of a request served on the reader. A reply that cannot be sent (say, the
     * memory for a huge one ran out) is reported as an uncaught exception of this thread, as a
     * coroutine's would be; the session goes on.
     */
    private fun sendFromReader(reply: Message) {
        try {
            send(reply)
        } catch (e: Throwable) {
            val thread = Thread.currentThread()
            thread.uncaughtExceptionHandler.uncaughtException(thread, e)
        }
    }

    /** The reply to [request], as a coroutine: a plain call until a member suspends. */
    private suspend fun serve(request: Envelope.Request, attachments: List<ByteArray>, handler: RequestHandler, running: RunningRequest): Message =
        replyOf(request.id, running) {
            when (val outcome = handler.handle(request, attachments)) {
                is Message -> outcome
                is Suspending -> outcome.rest()
            }
        }

    /** Runs [block], the serving of request [id], to its reply: the failure reply for what it throws; [running] is forgotten after. */
    private inline fun replyOf(id: Long, running: RunningRequest, block: () -> Message): Message =
        try {
            block()
        } catch (e: Throwable) {
            failureOf(id, e)
        } finally {
            this.running.remove(id, running)
        }

    /**
     * Serves a nested request on the thread blocked in its chain: a plain call, or, when it
     * calls a suspend function, the rest in an event loop on this thread.
     */
    private fun serveInline(request: Envelope.Request, attachments: List<ByteArray>, handler: RequestHandler, running: RunningRequest) {
        val outcome = handleOnThisThread(request, attachments, handler, running)
        if (outcome !is Suspending) {
            this.running.remove(request.id, running)
            send(outcome as Message)
            return
        }
        // [running] sets this thread's call chain while the request's coroutine runs.
        try {
            send(runBlocking(running) { replyOf(request.id, running) { outcome.rest() } })
        } catch (e: InterruptedException) {
            // The request was cancelled while its event loop waited: answer it, and keep the
            // interrupt from reaching the call this thread is blocked in, unless it was meant for
            // that call (a cancel of the outer request, read while this one ran).
            Thread.interrupted()
            if (!running.isCancelled()) Thread.currentThread().interrupt()
            this.running.remove(request.id, running)
            send(failureOf(request.id, CancellationException("cancelled by the peer")))
        }
    }

    /**
     * A request being served, so that a [Envelope.Cancel] can reach it: its coroutine is
     * cancelled (a suspend target sees a CancellationException) and the thread running its
     * target code, if any, is interrupted (a blocking target sees an InterruptedException).
     *
     * It is a thread context element: it knows its thread only while its coroutine runs on one,
     * so a cancel never interrupts a thread that has moved on to other work while the request
     * was suspended; and while it runs, the thread's [chains] value is the request's [chain], so
     * that calls it makes to the peer belong to that chain.
     */
    private class RunningRequest(private val chain: Long, private val chains: ThreadLocal<Long?>) : ThreadContextElement<Long?> {
        companion object Key : CoroutineContext.Key<RunningRequest>

        override val key: CoroutineContext.Key<*> get() = Key

        private var job: Job? = null
        private var thread: Thread? = null
        private var isCancelled = false

        override fun updateThreadContext(context: CoroutineContext): Long? {
            synchronized(this) {
                thread = Thread.currentThread()
                if (isCancelled) thread?.interrupt()
            }
            return chains.get().also { chains.set(chain) }
        }

        override fun restoreThreadContext(context: CoroutineContext, oldState: Long?) {
            chains.set(oldState)
            val wasCancelled = synchronized(this) {
                // A suspended request may already run on another thread: forget only this one.
                if (thread === Thread.currentThread()) thread = null
                isCancelled
            }
            // An interrupt aimed at this request must not leak into the next task of this thread.
            if (wasCancelled) Thread.interrupted()
        }

        /**
         * The request's job: known once its launch returns, or, served on the reader, once it
         * calls a suspend function (a plain call has none: a cancel interrupts its thread). The
         * reader may have been replaced meanwhile, and its replacement may already have read a
         * cancel: that cancel takes effect here.
         */
        fun attach(job: Job) {
            val cancelled = synchronized(this) {
                this.job = job
                isCancelled
            }
            if (cancelled) job.cancel()
        }

        @Synchronized
        fun isCancelled(): Boolean = isCancelled

        /** Cancels the request's coroutine only (the session closed): a blocking target runs on. */
        fun cancelJob() {
            synchronized(this) { job }?.cancel()
        }

        fun cancel() {
            val job = synchronized(this) {
                isCancelled = true
                thread?.interrupt()
                job
            }
            job?.cancel()
        }
    }

    /** The failure reply for an exception that escaped a handler on this side. */
    private fun failureOf(id: Long, e: Throwable): Message = Message(Envelope.Failure(id, errorEnvelopeOf(e, side)))

    public companion object {
        /** As deep as the value decoder reads. */
        private const val MAX_UNREAD_DEPTH = 256
    }
}
