@file:OptIn(InternalExtraditeApi::class)

package dev.extradite.internal.host

import dev.extradite.ExtraditeChildExitedError
import dev.extradite.ExtraditeException
import dev.extradite.ExtraditeModuleLeakError
import dev.extradite.ExtraditeProtocolError
import dev.extradite.InternalExtraditeApi
import dev.extradite.RemoteObject
import dev.extradite.TransportPolicy
import dev.extradite.UnsupportedInteractionError
import dev.extradite.internal.session.RequestHandler
import dev.extradite.internal.session.Session
import dev.extradite.internal.session.toException
import dev.extradite.internal.wire.CodecContext
import dev.extradite.internal.wire.Envelope
import dev.extradite.internal.wire.ErrorEnvelope
import dev.extradite.internal.wire.Message
import dev.extradite.internal.wire.Operation
import dev.extradite.internal.wire.Side
import dev.extradite.internal.wire.ValueDecoder
import dev.extradite.internal.wire.ValueEncoder
import dev.extradite.internal.wire.WireValue
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.future.await
import kotlinx.coroutines.runBlocking
import java.util.concurrent.CancellationException
import java.util.concurrent.CompletableFuture
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.ExecutionException
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicInteger

/**
 * The host's side of one child JVM: the process, the [Session] over its connection, and the
 * host's half of the value codec (isolation checks on decode, handles of the child).
 *
 * Thread safe. Calls go out through [submit]; their replies are decoded by the caller, so an
 * error is raised on the calling thread with the caller's stack.
 */
internal class HostSession private constructor(
    val config: SessionConfig,
    val name: String,
    private val child: LaunchedChild,
) : CodecContext {
    private val closing = AtomicBoolean(false)
    private val remoteObjects = ConcurrentHashMap<Long, RemoteObject>()
    val policies = PolicyRules(config.policy, config.typeRules)

    val session: Session = Session(
        child.transport,
        config.maxFrameSize,
        Dispatchers.IO,
        Dispatchers.IO,
        name,
        ::describeClose,
    )

    init {
        session.start(object : RequestHandler {
            override suspend fun handle(request: Envelope.Request, attachments: List<ByteArray>): Message =
                Message(
                    Envelope.Failure(
                        request.id,
                        ErrorEnvelope.Unsupported("the host does not serve requests yet (callbacks into the host are not supported in this version)"),
                    ),
                )

            override fun release(ids: List<Long>) = Unit
        })
    }

    /** Encodes an operation built by [build] and sends it; the future completes with the reply message. */
    fun submit(callPolicy: TransportPolicy?, build: (ValueEncoder) -> Operation): CompletableFuture<Message> {
        val encoder = ValueEncoder(if (callPolicy == null && config.typeRules.isEmpty()) this else PolicyAwareContext(callPolicy))
        val op = build(encoder)
        return session.request(op, encoder.attachments)
    }

    /** The value of a reply, or the exception it carries, raised here. */
    fun decode(reply: Message): Any? = when (val envelope = reply.envelope) {
        is Envelope.Response -> ValueDecoder(this, reply.attachments).decode(envelope.value)
        is Envelope.Failure -> throw envelope.error.toException()
        else -> throw ExtraditeProtocolError("the child answered a call with a ${envelope::class.simpleName}")
    }

    suspend fun call(callPolicy: TransportPolicy?, build: (ValueEncoder) -> Operation): Any? = decode(submit(callPolicy, build).await())

    fun callBlocking(callPolicy: TransportPolicy?, build: (ValueEncoder) -> Operation): Any? = decode(awaitBlocking(submit(callPolicy, build)))

    fun callAsync(callPolicy: TransportPolicy?, build: (ValueEncoder) -> Operation): CompletableFuture<Any?> =
        submit(callPolicy, build).thenApply { decode(it) }

    /** This session's codec, with the policy of each value decided by the call override and type rules. */
    private inner class PolicyAwareContext(private val callPolicy: TransportPolicy?) : CodecContext by this {
        override fun policyFor(value: Any): TransportPolicy = policies.trace(value, callPolicy).policy
    }

    /** Tells the child that the host no longer uses handle [id]. */
    fun release(id: Long) {
        remoteObjects.remove(id)
        if (session.isOpen) session.send(Message(Envelope.Release(listOf(id))))
    }

    val isOpen: Boolean get() = session.isOpen

    /** Number of child handles the host holds (for tests and stats). */
    val importedHandleCount: Int get() = remoteObjects.size

    // --- CodecContext: the host's half of the value codec -------------------------------------

    override fun referenceOf(value: Any): WireValue.Ref? {
        val remote = when (value) {
            is RemoteObject -> value
            else -> TypedProxy.remoteOf(value) ?: return null
        }
        if (remote.hostSession !== this) {
            throw UnsupportedInteractionError(
                "a proxy of session ${remote.hostSession.name} cannot be passed to session $name; each child only knows its own objects",
            )
        }
        remote.checkUsable()
        return WireValue.Ref(Side.CHILD, remote.handle, remote.remoteType)
    }

    override fun export(value: Any): WireValue.Ref = throw UnsupportedInteractionError(
        "cannot send a ${value.javaClass.name} to the child: it is not a value (scalars, strings, primitive arrays, lists, sets, " +
            "maps, enums, records, @Serializable classes) nor a RemoteObject. Passing host objects by handle (callbacks) is not supported yet.",
    )

    override fun import(ref: WireValue.Ref): Any? = when (ref.owner) {
        Side.CHILD -> remoteObjects.computeIfAbsent(ref.id) { RemoteObject(this, ref.id, ref.type) }
        Side.HOST -> throw ExtraditeProtocolError("the child referred to host handle ${ref.id}, but the host has exported no objects")
    }

    override fun loadValueType(name: String): Class<*> {
        // The isolation invariant: a protected type is refused by name, before anything loads it.
        if (config.protectedTree.containsType(name)) {
            throw ExtraditeModuleLeakError(
                "the child sent a value of type $name, which lies in the protected tree ${config.protectedTree}; loading it in the host " +
                    "would leak the target's code into this JVM. Return a value of a non-protected type, or receive it as a handle " +
                    "(TransportPolicy.REFERENCE).",
            )
        }
        val loader = Thread.currentThread().contextClassLoader ?: HostSession::class.java.classLoader
        return try {
            Class.forName(name, false, loader)
        } catch (e: ClassNotFoundException) {
            throw UnsupportedInteractionError(
                "the child sent a value of type $name, which the host cannot load; put it on the host classpath, " +
                    "or receive it as a handle (TransportPolicy.REFERENCE)",
            )
        }
    }

    // --- lifecycle ----------------------------------------------------------------------------

    private fun describeClose(reason: Throwable): ExtraditeException {
        if (closing.get()) return ExtraditeProtocolError("session $name was closed; create a new one with extradite(...)")
        // The connection ended: if the child died, say so with its exit code and stderr.
        if (child.process.waitFor(1, TimeUnit.SECONDS)) {
            val tail = child.stderr.tail(waitMillis = 1_000)
            return ExtraditeChildExitedError(
                "the child JVM of session $name exited with code ${child.process.exitValue()}; start a new session with extradite(...)" +
                    if (tail.isBlank()) "" else "\nits stderr ended with:\n$tail",
                child.process.exitValue(),
                tail,
            )
        }
        if (reason is ExtraditeException) return reason
        return ExtraditeProtocolError("the connection to the child of session $name was lost: ${reason.message}", reason)
    }

    /** Stops the child: closes the connection (the child exits on its own), then waits, then destroys it. */
    fun close() {
        if (!closing.compareAndSet(false, true)) return
        session.close(ExtraditeProtocolError("closed"))
        val process = child.process
        if (!process.waitFor(2, TimeUnit.SECONDS)) {
            process.destroy()
            if (!process.waitFor(2, TimeUnit.SECONDS)) process.destroyForcibly()
        }
        runCatching { process.outputStream.close() }
        child.socketDirectory?.let(ChildLauncher::deleteQuietly)
    }

    val pid: Long get() = child.process.pid()

    companion object {
        private val counter = AtomicInteger()

        /** Starts a child for [config]; blocks until it is connected and authenticated. */
        fun start(config: SessionConfig): HostSession {
            val name = "extradite.session.${config.target.substringAfterLast('.')}-${counter.incrementAndGet()}"
            val child = runBlocking(Dispatchers.IO) { ChildLauncher.launch(config, name) }
            return HostSession(config, name, child)
        }

        /** Waits for [future] on this thread, raising its failure as thrown. */
        fun <T> awaitBlocking(future: CompletableFuture<T>): T = try {
            future.get()
        } catch (e: ExecutionException) {
            throw e.cause ?: e
        } catch (e: InterruptedException) {
            Thread.currentThread().interrupt()
            future.cancel(false)
            throw CancellationException("interrupted while waiting for the child").also { it.initCause(e) }
        }
    }
}
